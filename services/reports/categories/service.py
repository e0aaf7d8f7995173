"""Categories as stored data: what the reports domain, Open311, statistics and mail read, and what the
admin changes. A change applies from now on: a report keeps the due time it was filed under."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kernel.errors import Conflict, DomainError, NotFound, Unprocessable
from kernel.runtime import forget_kept, kept_briefly
from services.reports.categories import repository
from services.reports.categories.messages import say
from services.reports.categories.models import ReportCategory
from services.reports.categories.rules import (
    CREW_MODES,
    DATATYPES,
    LIST_DATATYPES,
    AnswerValue,
    Attribute,
    Category,
)
from services.reports.categories.schemas import AttributeIn, CategoryCreate, CategoryFields, CategoryPatch

CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
RESERVED_CODES = frozenset({"all"})  # GET /categories/all is the admin's list
MAX_TARGET_DAYS = 60


def _rule(row: ReportCategory) -> Category:
    return Category(
        code=row.code,
        name_en=row.name_en,
        name_nl=row.name_nl,
        severity=row.severity,
        response_working_days=row.response_working_days,
        crew_mode=row.crew_mode,
        cleans_street=row.cleans_street,
        description_en=row.description_en,
        description_nl=row.description_nl,
        keywords=tuple(row.keywords or ()),
        attributes=tuple(
            Attribute(
                code=a["code"],
                description_en=a.get("description_en", ""),
                description_nl=a.get("description_nl", ""),
                datatype=a.get("datatype", "string"),
                required=bool(a.get("required", False)),
                values=tuple(AnswerValue(v["key"], v["name_en"], v["name_nl"]) for v in a.get("values", [])),
                datatype_description=a.get("datatype_description", ""),
            )
            for a in (row.attributes or [])
        ),
        retired=row.retired_at is not None,
    )


KEPT_KEY = "report_categories"


def _known(session: Session) -> Mapping[str, Category]:
    """Every category by code in the admin's order, as the process read them at most a second ago:
    every report is filed under one, and they rarely change. Shared: never changed in place."""
    return kept_briefly(
        session,
        KEPT_KEY,
        lambda: MappingProxyType({row.code: _rule(row) for row in repository.all_rows(session, include_retired=True)}),
    )


def every(session: Session) -> dict[str, Category]:
    """Every category by code in the admin's order, retired ones too (old reports still name them)."""
    return dict(_known(session))


def active(session: Session) -> list[Category]:
    """What residents and Open311 apps may choose, in the admin's order."""
    return [category for category in _known(session).values() if not category.retired]


def find(session: Session, code: str) -> Category | None:
    return _known(session).get(code)


def for_filing(session: Session, code: str, language: str) -> Category:
    """The category a new report is filed under, or Unprocessable saying why not and what to choose."""
    found = find(session, code)
    if found is None or found.retired:
        choices = ", ".join(c.code for c in active(session))
        refusal = "unknown_category" if found is None else "retired_category"
        raise Unprocessable(
            say(refusal, language, code=code, choices=choices),
            code=refusal,
            params={"category": code, "field": "category"},
        )
    return found


def known_or_422(session: Session, code: str, language: str) -> None:
    """For filters (statistics): any category a report may carry, retired ones included."""
    if find(session, code) is None:
        choices = ", ".join(every(session))
        raise Unprocessable(
            say("unknown_category", language, code=code, choices=choices),
            code="unknown_category",
            params={"category": code, "field": "category"},
        )


def with_usage(session: Session) -> list[tuple[Category, int]]:
    return [(_rule(row), repository.reports_using(session, row.code)) for row in repository.all_rows(session, True)]


def usage(session: Session, code: str) -> int:
    return repository.reports_using(session, code)


# ---------- the admin's changes ----------


def _clean(text: str) -> str:
    """Without control characters (they cannot travel in Open311's XML), trimmed."""
    return "".join(ch for ch in text if ch.isprintable() or ch == "\n").strip()


def _refusal(kind: type[DomainError], message: str, language: str, field: str = "", **values: Any) -> DomainError:
    """A refusal whose ``code`` is the message's and whose params are its values (with ``field``, the
    form field it is about, when there is one): the dispatch page says it from the one catalogue
    (``categoryAdmin.problem.<code>``) beside that field; ``detail`` says it in `language` for API clients."""
    params = {**values, **({"field": field} if field else {})}
    return kind(say(message, language, **params), code=message, params=params)


def _checked(fields: CategoryFields, language: str) -> dict[str, Any]:
    """The row's values from `fields`, or Unprocessable with the first problem, in `language`."""
    name_en, name_nl = _clean(fields.name_en), _clean(fields.name_nl)
    for field, value in (("name_en", name_en), ("name_nl", name_nl)):
        if not value:
            raise _refusal(Unprocessable, "name_required", language, field=field)
    if not 1 <= fields.severity <= 5:
        raise _refusal(Unprocessable, "severity_range", language, field="severity", value=fields.severity)
    if not 0 <= fields.response_working_days <= MAX_TARGET_DAYS:
        raise _refusal(
            Unprocessable, "target_range", language, field="response_working_days", value=fields.response_working_days
        )
    if fields.crew_mode not in CREW_MODES:
        raise _refusal(
            Unprocessable,
            "crew_mode",
            language,
            field="crew_mode",
            value=fields.crew_mode,
            choices=", ".join(CREW_MODES),
        )
    return {
        "name_en": name_en,
        "name_nl": name_nl,
        "description_en": _clean(fields.description_en),
        "description_nl": _clean(fields.description_nl),
        "severity": fields.severity,
        "response_working_days": fields.response_working_days,
        "crew_mode": fields.crew_mode,
        "cleans_street": fields.cleans_street,
        "keywords": [k for k in (_clean(k)[:40] for k in fields.keywords) if k],
        "attributes": [
            _checked_question(a, index, language)
            for index, a in enumerate(_unique_questions(fields.attributes, language))
        ],
    }


def _unique_questions(questions: list[AttributeIn], language: str) -> list[AttributeIn]:
    seen: set[str] = set()
    for index, question in enumerate(questions):
        if question.code in seen:
            raise _refusal(
                Unprocessable, "duplicate_question", language, field=f"attributes.{index}.code", code=question.code
            )
        seen.add(question.code)
    return questions


def _checked_question(question: AttributeIn, index: int, language: str) -> dict[str, Any]:
    code, at = question.code, f"attributes.{index}"
    if not CODE.fullmatch(code):
        raise _refusal(Unprocessable, "code_format", language, field=f"{at}.code", code=code)
    if question.datatype not in DATATYPES:
        raise _refusal(
            Unprocessable,
            "datatype",
            language,
            field=f"{at}.datatype",
            code=code,
            value=question.datatype,
            choices=", ".join(DATATYPES),
        )
    text_en, text_nl = _clean(question.description_en), _clean(question.description_nl)
    if not text_en or not text_nl:
        missing = "description_nl" if not text_nl else "description_en"
        raise _refusal(Unprocessable, "question_text", language, field=f"{at}.{missing}", code=code)
    is_list = question.datatype in LIST_DATATYPES
    if is_list and not question.values:
        raise _refusal(Unprocessable, "values_needed", language, field=f"{at}.values", code=code)
    if not is_list and question.values:
        raise _refusal(
            Unprocessable, "values_not_allowed", language, field=f"{at}.values", code=code, datatype=question.datatype
        )
    values: list[dict[str, str]] = []
    for value in question.values:
        key, name_en, name_nl = _clean(value.key), _clean(value.name_en), _clean(value.name_nl)
        if not key or not name_en or not name_nl or "," in key:
            raise _refusal(Unprocessable, "value_name", language, field=f"{at}.values", code=code, key=value.key)
        if any(v["key"] == key for v in values):
            raise _refusal(Unprocessable, "duplicate_value", language, field=f"{at}.values", code=code, key=key)
        values.append({"key": key, "name_en": name_en, "name_nl": name_nl})
    return {
        "code": code,
        "datatype": question.datatype,
        "required": question.required,
        "description_en": text_en,
        "description_nl": text_nl,
        "datatype_description": _clean(question.datatype_description),
        "values": values,
    }


def _row_or_404(session: Session, code: str, language: str) -> ReportCategory:
    """The stored row, to change: what the process kept is read again once the change commits."""
    row = repository.get(session, code) if len(code) <= 40 else None
    if row is None:
        raise _refusal(NotFound, "not_found", language, code=code)
    forget_kept(session, KEPT_KEY)
    return row


def create(session: Session, new: CategoryCreate, language: str) -> Category:
    if not CODE.fullmatch(new.code) or new.code in RESERVED_CODES:
        raise _refusal(Unprocessable, "code_format", language, field="code", code=new.code)
    if repository.get(session, new.code) is not None:
        raise _refusal(Conflict, "code_taken", language, field="code", code=new.code)
    row = ReportCategory(code=new.code, position=repository.next_position(session), **_checked(new, language))
    repository.add(session, row)
    session.flush()
    forget_kept(session, KEPT_KEY)
    return _rule(row)


def replace(session: Session, code: str, fields: CategoryFields, language: str) -> Category:
    """PUT: every field as given (the code never changes; retirement is PATCH's)."""
    row = _row_or_404(session, code, language)
    for name, value in _checked(fields, language).items():
        setattr(row, name, value)
    row.updated_at = datetime.now(UTC)
    return _rule(row)


def _fields_of(row: ReportCategory) -> dict[str, Any]:
    return {
        "name_en": row.name_en,
        "name_nl": row.name_nl,
        "description_en": row.description_en,
        "description_nl": row.description_nl,
        "severity": row.severity,
        "response_working_days": row.response_working_days,
        "crew_mode": row.crew_mode,
        "cleans_street": row.cleans_street,
        "keywords": list(row.keywords or []),
        "attributes": list(row.attributes or []),
    }


def change(session: Session, code: str, patch: CategoryPatch, language: str) -> Category:
    """PATCH: only the fields sent; `retired` retires the category or offers it again."""
    row = _row_or_404(session, code, language)
    sent = patch.model_dump(exclude_unset=True, exclude_none=True)
    retired = sent.pop("retired", None)
    if sent:
        try:
            merged = CategoryFields.model_validate({**_fields_of(row), **sent})
        except ValidationError as exc:  # a stored value the form would not take any more
            error = exc.errors()[0]
            raise Unprocessable(
                str(error.get("msg", exc)),
                code="stored_value_refused",
                params={"field": ".".join(str(part) for part in error.get("loc", ()))},
            ) from None
        for name, value in _checked(merged, language).items():
            setattr(row, name, value)
    if retired is True and row.retired_at is None:
        if all(c.code == code for c in active(session)):
            raise _refusal(Conflict, "last_active", language, code=code)
        row.retired_at = datetime.now(UTC)
    elif retired is False:
        row.retired_at = None
    row.updated_at = datetime.now(UTC)
    return _rule(row)


def delete(session: Session, code: str, language: str) -> None:
    """Only a category no report uses; one in use is retired instead, so its reports keep their meaning."""
    row = _row_or_404(session, code, language)
    used = repository.reports_using(session, code)
    if used:
        raise _refusal(Conflict, "in_use", language, code=code, count=used)
    if row.retired_at is None and all(c.code == code for c in active(session)):
        raise _refusal(Conflict, "last_active", language, code=code)
    repository.delete(session, row)
