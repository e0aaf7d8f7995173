"""Report categories as plain data: what residents can report, how bad it is, how fast we answer.

A category may ask extra questions (Open311 service attributes): each `Attribute` is offered in the
service definition and checked when a report comes in, from the page or from an Open311 app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    datatype: str  # Open311: string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the list types
    datatype_description: str = ""

    def check(self, raw: str | list[str] | None) -> str | list[str] | None:
        """The value as stored, or ValueError with a reason a person understands."""
        if raw is None or raw == "" or raw == []:
            if self.required:
                raise ValueError(f"attribute {self.code!r} is required: {self.description}")
            return None
        keys = {key for key, _ in self.values}
        if self.datatype == "multivaluelist":
            items = raw if isinstance(raw, list) else [part for part in str(raw).split(",") if part]
            unknown = [item for item in items if item not in keys]
            if unknown:
                raise ValueError(f"attribute {self.code!r}: {unknown[0]!r} is not one of {', '.join(sorted(keys))}")
            return list(items)
        value = raw[0] if isinstance(raw, list) else raw
        if self.datatype == "singlevaluelist" and value not in keys:
            raise ValueError(f"attribute {self.code!r}: {value!r} is not one of {', '.join(sorted(keys))}")
        if self.datatype == "number":
            try:
                float(value)
            except ValueError:
                raise ValueError(f"attribute {self.code!r} must be a number") from None
        return str(value)[:500]


@dataclass(frozen=True)
class Category:
    code: str
    name_en: str
    name_nl: str
    severity: int  # 1 (minor) … 5 (dangerous); weights the report in the street's estimate
    response_working_days: int
    crew_mode: str  # which kind of crew clears it: foot, sweeper, bulky
    cleans_street: bool  # a street-cleaning visit resolves it
    description: str = ""
    keywords: tuple[str, ...] = ()
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)

    @property
    def description_nl(self) -> str:
        return DESCRIPTIONS_NL.get(self.code, self.description)

    def name_in(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en

    def description_in(self, language: str) -> str:
        return self.description_nl if language == "nl" else self.description

    def due_at(self, filed_at: datetime) -> datetime:
        """The response target: this many working days (Monday to Friday) after filing."""
        current, remaining = filed_at, self.response_working_days
        while remaining > 0:
            current += timedelta(days=1)
            if current.weekday() < 5:
                remaining -= 1
        return current

    def is_overdue(self, due_at: datetime, now: datetime, still_open: bool) -> bool:
        return still_open and now > due_at

    def check_attributes(self, given: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        known = {a.code for a in self.attributes}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ValueError(f"{self.code} has no attribute {unknown[0]!r}")
        checked: dict[str, str | list[str]] = {}
        for attribute in self.attributes:
            value = attribute.check(given.get(attribute.code))
            if value is not None:
                checked[attribute.code] = value
        return checked


DESCRIPTIONS_NL = {
    "litter": "Los zwerfafval op straat of stoep: blikjes, flessen, verpakkingen, peuken.",
    "bulky_waste": "Meubels, matrassen, apparaten of zakken die op straat zijn gedumpt.",
    "overflowing_bin": "Een openbare afvalbak die vol is of overloopt.",
    "hazard": "Naalden, glasscherven, chemicaliën of ander afval waaraan iemand zich kan bezeren. Niet aanraken.",
}

CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        Category(
            "litter",
            "Litter",
            "Zwerfafval",
            2,
            3,
            "foot",
            True,
            "Loose litter on the street or pavement: cans, bottles, wrappers, cigarette butts.",
            ("litter", "rubbish", "trash", "zwerfafval"),
        ),
        Category(
            "bulky_waste",
            "Dumped bulky waste",
            "Gedumpt grofvuil",
            3,
            2,
            "bulky",
            False,
            "Furniture, mattresses, appliances or bags dumped on the street.",
            ("dumping", "fly-tipping", "grofvuil"),
            (
                Attribute(
                    "items",
                    "What was dumped?",
                    "multivaluelist",
                    False,
                    (
                        ("furniture", "Furniture"),
                        ("mattress", "Mattress"),
                        ("appliance", "Appliance"),
                        ("bags", "Bags"),
                    ),
                ),
            ),
        ),
        Category(
            "overflowing_bin",
            "Overflowing bin",
            "Volle afvalbak",
            2,
            2,
            "sweeper",
            True,
            "A public litter bin that is full or overflowing.",
            ("bin", "afvalbak"),
        ),
        Category(
            "hazard",
            "Needles or hazardous waste",
            "Naalden of gevaarlijk afval",
            5,
            1,
            "foot",
            True,
            "Needles, broken glass, chemicals or other waste that can hurt someone. Do not touch it.",
            ("needles", "syringe", "glass", "chemicals"),
            (
                Attribute(
                    "hazard_kind",
                    "What kind of hazard is it?",
                    "singlevaluelist",
                    True,
                    (("needles", "Needles"), ("glass", "Broken glass"), ("chemicals", "Chemicals"), ("other", "Other")),
                ),
            ),
        ),
    )
}


def category(code: str) -> Category | None:
    return CATEGORIES.get(code)
