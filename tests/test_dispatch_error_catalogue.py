"""The scheduling service's error codes and the dispatch page's catalogues (the gateway's nl/en
i18n files) agree: every code the page can meet has a message in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_error_code_the_dispatch_page_can_meet_is_in_both_catalogues() -> None:
    sources = [ROOT / "services/scheduling/plans/directives.py", ROOT / "services/scheduling/plans/service.py"]
    sources += [ROOT / "services/scheduling/state/service.py", ROOT / "services/scheduling/dirty/service.py"]
    sources += [ROOT / "services/scheduling/crews/service.py"]
    codes = {code for path in sources for code in re.findall(r'code="([a-z_]+)"', path.read_text())}
    assert {"past_day", "crew_off_duty", "visit_unknown", "estimate_changed"} <= codes
    for lang in ("en", "nl"):
        catalogue = json.loads((ROOT / f"gateway/web/static/i18n/{lang}.json").read_text())
        problems = catalogue["dispatch"]["problem"]
        assert codes <= set(problems), (lang, codes - set(problems))


def test_every_refusal_of_the_statistics_filters_is_in_both_catalogues() -> None:
    """The statistics section says the reports service's refusals of its filters in the page's language."""
    sources = [ROOT / "services/reports/statistics/api.py"]
    codes = {code for path in sources for code in re.findall(r'code="([a-z_]+)"', path.read_text())}
    codes.add("unknown_category")  # the category filter's refusal (categories.known_or_422)
    assert {"period_backwards", "period_too_long"} <= codes
    sections = {
        lang: json.loads((ROOT / f"gateway/web/static/i18n/{lang}.json").read_text())["statistics"]
        for lang in ("en", "nl")
    }
    for lang, section in sections.items():
        assert codes <= set(section["problem"]), lang
        assert set(section) == set(sections["en"]), lang  # every word of the section in both languages


def _placeholders(entry: str | dict[str, str] | tuple[str, str]) -> set[str]:
    texts = entry.values() if isinstance(entry, dict) else entry if isinstance(entry, tuple) else [entry]
    return {name for words in texts for name in re.findall(r"\{(\w+)(?::[^}]*)?\}", words)}


def test_every_visit_reason_and_trigger_code_is_in_both_catalogues_with_the_same_params() -> None:
    """The planner's reasons and the versions' triggers are said by the dispatch page from the one
    catalogue: each code the service can store has its words in nl and en, filled from the same
    params as its English text (a singular and a plural where the English has both)."""
    from services.scheduling.dirty.triggers import TRIGGERS
    from services.scheduling.planning.reasons import ENGLISH

    for lang in ("en", "nl"):
        dispatch = json.loads((ROOT / f"gateway/web/static/i18n/{lang}.json").read_text())["dispatch"]
        for group, english in (("reason", ENGLISH), ("trigger", TRIGGERS)):
            words = dispatch[group]
            assert set(words) == set(english), (lang, group, set(english) ^ set(words))
            for code, text in english.items():
                assert _placeholders(words[code]) == _placeholders(text), (lang, group, code)
                assert isinstance(words[code], dict) == isinstance(text, tuple), (lang, group, code)


def test_every_refusal_of_the_category_admin_is_in_both_catalogues_with_its_params() -> None:
    """The categories section says the reports service's refusals of a change from the one catalogue."""
    source = (ROOT / "services/reports/categories/service.py").read_text()
    codes = set(re.findall(r'_refusal\(\s*\w+,\s*"([a-z_]+)"', source)) | set(re.findall(r'code="([a-z_]+)"', source))
    codes -= {"unknown_category", "retired_category"}  # a resident's, said by the report page
    assert {"name_required", "target_range", "values_needed", "in_use", "stored_value_refused"} <= codes
    from services.reports.categories.messages import MESSAGES

    for lang in ("en", "nl"):
        problems = json.loads((ROOT / f"gateway/web/static/i18n/{lang}.json").read_text())["categoryAdmin"]["problem"]
        assert codes <= set(problems), (lang, codes - set(problems))
        for code in codes & set(MESSAGES):
            english = set(re.findall(r"\{(\w+)", MESSAGES[code]["en"])) | {"field"}
            assert _placeholders(problems[code]) <= english, (lang, code)
