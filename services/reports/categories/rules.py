"""A report category as the reports domain uses it: what residents can report, how bad it is, how fast
we answer, and the questions it asks (Open311 service attributes). Loaded from the stored categories
(`models.ReportCategory`); the admin manages them through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.reports.categories.messages import say

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
CREW_MODES = ("foot", "sweeper", "bulky")


class AnswerRefused(ValueError):
    """An answer to a category's question that is refused: the reason in words, and the code and params
    the pages look up in their catalogue, naming the question (`field`: where the page shows it)."""

    def __init__(self, message: str, *, code: str, question: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, object] = {"question": question, "field": f"attributes.{question}", **params}


@dataclass(frozen=True)
class AnswerValue:
    key: str
    name_en: str
    name_nl: str

    def name_in(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en


@dataclass(frozen=True)
class Attribute:
    code: str
    description_en: str
    description_nl: str
    datatype: str  # Open311: string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool = False
    values: tuple[AnswerValue, ...] = ()  # for the list types
    datatype_description: str = ""

    def description_in(self, language: str) -> str:
        return self.description_nl if language == "nl" else self.description_en

    def check(self, raw: str | list[str] | None, language: str = "en") -> str | list[str] | None:
        """The value as stored, or AnswerRefused with a reason a person understands (in `language`)."""
        if raw is None or raw == "" or raw == []:
            if self.required:
                raise AnswerRefused(
                    say("answer_required", language, code=self.code, question=self.description_in(language)),
                    code="answer_required",
                    question=self.code,
                )
            return None
        keys = {v.key for v in self.values}
        choices = ", ".join(sorted(keys))
        if self.datatype == "multivaluelist":
            items = raw if isinstance(raw, list) else [part for part in str(raw).split(",") if part]
            unknown = [item for item in items if item not in keys]
            if unknown:
                raise self._not_listed(unknown[0], choices, language)
            return list(items)
        value = raw[0] if isinstance(raw, list) else raw
        if self.datatype == "singlevaluelist" and value not in keys:
            raise self._not_listed(value, choices, language)
        if self.datatype == "number":
            try:
                float(value)
            except ValueError:
                raise AnswerRefused(
                    say("answer_not_number", language, code=self.code), code="answer_not_number", question=self.code
                ) from None
        return str(value)[:500]

    def _not_listed(self, value: str, choices: str, language: str) -> AnswerRefused:
        return AnswerRefused(
            say("answer_not_listed", language, code=self.code, value=value, choices=choices),
            code="answer_not_listed",
            question=self.code,
            value=value,
        )


@dataclass(frozen=True)
class Category:
    code: str
    name_en: str
    name_nl: str
    severity: int  # 1 (minor) … 5 (dangerous); weights the report in the street's estimate
    response_working_days: int
    crew_mode: str  # which kind of crew clears it: foot, sweeper, bulky
    cleans_street: bool  # a street-cleaning visit resolves it
    description_en: str = ""
    description_nl: str = ""
    keywords: tuple[str, ...] = ()
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)
    retired: bool = False

    def name_in(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en

    def description_in(self, language: str) -> str:
        return (self.description_nl or self.description_en) if language == "nl" else self.description_en

    def due_at(self, filed_at: datetime) -> datetime:
        """The response target: this many working days (Monday to Friday) after filing."""
        current, remaining = filed_at, self.response_working_days
        while remaining > 0:
            current += timedelta(days=1)
            if current.weekday() < 5:
                remaining -= 1
        return current

    def check_attributes(self, given: dict[str, str | list[str]], language: str = "en") -> dict[str, str | list[str]]:
        known = {a.code for a in self.attributes}
        unknown = sorted(set(given) - known)
        if unknown:
            raise AnswerRefused(
                say("no_such_question", language, category=self.code, code=unknown[0]),
                code="no_such_question",
                question=unknown[0],
            )
        checked: dict[str, str | list[str]] = {}
        for attribute in self.attributes:
            value = attribute.check(given.get(attribute.code), language)
            if value is not None:
                checked[attribute.code] = value
        return checked
