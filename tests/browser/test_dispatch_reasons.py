"""The dispatch page says why each visit is on the plan, and what made the plan change, in the
reader's language: from the codes and params the planner stores, worded by the one catalogue."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import replan_through_job, wait_for
from streetcare.testing import Stack
from tests.browser.helpers import API, dispatching, log_in

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]

ENGLISH_WORDS = ("expected level", "no crew visit", "baseline", "not adopted", "re-plan", "report")


def test_visit_reasons_and_the_trigger_read_in_dutch(stack: Stack, browser: Any) -> None:
    headers, day = dispatching(stack, "tomorrow")
    replan_through_job(stack.gateway_url, headers, day)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nl-NL")
    page = context.new_page()
    try:
        log_in(page, stack)
        page.get_by_role("button", name="Morgen").click()
        page.wait_for_selector(".crew .visit", timeout=30_000)
        wait_for(lambda: page.locator("body").get_attribute("data-version") != "0", message="the plan")
        shown = int(page.locator("body").get_attribute("data-version") or "0")
        plan = httpx.get(f"{stack.gateway_url}{API}/plans/{day}/versions/{shown}", headers=headers).json()
        visits = {str(v["visit_id"]): v for crew in plan["crews"] for v in crew["visits"]}
        clean = next(v for v in visits.values() if v["kind"] == "clean")
        assert [p["code"] for p in clean["reason_parts"]][-1] in ("within_baseline", "added_beyond_baseline")

        reason = page.locator(f'.visit[data-visit="{clean["visit_id"]}"] .reason').inner_text()
        assert "verwacht niveau" in reason and "basisinzet van het stadsdeel" in reason, reason
        assert clean["reason"] not in reason
        assert not [w for w in ENGLISH_WORDS if w in reason], reason
        for item in page.locator(".crew .visit .reason").all_inner_texts():
            assert "expected level" not in item and "baseline" not in item, item

        # the summary and the version it belongs to, read together: a later re-plan of the day (a
        # debounced one asked for by another test's events) may have arrived since `shown`
        summary, summary_version = page.evaluate(
            "() => [document.getElementById('plan-summary').innerText, document.body.getAttribute('data-version')]"
        )
        summarised = plan
        if int(summary_version or "0") != shown:
            summarised = httpx.get(
                f"{stack.gateway_url}{API}/plans/{day}/versions/{summary_version}", headers=headers
            ).json()
        assert "aanleiding: " in summary
        crews_out = summarised["crew_shifts"]
        assert crews_out >= 1 and f"{crews_out} {'ploeg' if crews_out == 1 else 'ploegen'} op pad" in summary, summary
        assert "u diensttijd" in summary and "ploeguren" not in summary, summary
        assert summarised["trigger_code"] is not None and summarised["trigger"] not in summary, summary
        if summarised["trigger_code"] == "replan_asked":
            assert f"herplannen gevraagd door {summarised['trigger_params']['by']}" in summary

        # the coming days of the horizon: streets coming due per district, a preview in Dutch
        horizon = summarised["horizon"]
        assert len(horizon) == 4 and any(h["districts"] for h in horizon)
        assert page.locator("#horizon-title").inner_text() == "Komende dagen"
        heads = page.locator("#horizon-head th[data-date]")
        assert [heads.nth(i).get_attribute("data-date") for i in range(heads.count())] == [h["date"] for h in horizon]
        first = next(row for h in horizon for row in h["districts"])
        cells = page.locator("#horizon-body tr").filter(has=page.locator(f'th:text-is("{first["district"]}")'))
        assert f"{first['streets']} (" in cells.inner_text() and " u)" in cells.inner_text(), cells.inner_text()
        assert "ploeguren" in (cells.locator("td[title]").first.get_attribute("title") or "")

        # the crew's printed sheet: the page's language, the same reasons
        crew_id = next(c["id"] for c in plan["crews"] if any(v["visit_id"] == clean["visit_id"] for v in c["visits"]))
        page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
        page.locator(f'.crew[data-crew="{crew_id}"] button.print').click()
        assert page.evaluate("window.printed") == 1
        sheet = page.locator("#print-area .crew-sheet")
        assert sheet.get_attribute("lang") == "nl"
        assert sheet.locator("th").all_inner_texts() == ["#", "Aankomst", "Straat", "Werk", "Min.", "Waarom", "Klaar"]
        assert reason in sheet.inner_text() and "expected level" not in sheet.inner_text()

        # the same parts in English, from the same catalogue
        page.click("button.lang[data-lang=en]")
        english = page.locator(f'.visit[data-visit="{clean["visit_id"]}"] .reason').inner_text()
        assert "expected level" in english and "baseline" in english, english
        assert "verwacht niveau" not in english
        assert f"{crews_out} crew" in page.locator("#plan-summary").inner_text()
    finally:
        context.close()
