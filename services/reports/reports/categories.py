"""Report categories as plain data: what residents can report, how bad it is, how fast we answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    name_en: str
    name_nl: str
    severity: int  # 1 (minor) … 5 (dangerous); weights the report in the street's estimate
    response_working_days: int
    crew_mode: str  # which kind of crew clears it: foot, sweeper, bulky
    cleans_street: bool  # a street-cleaning visit resolves it


CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        Category("litter", "Litter", "Zwerfafval", 2, 3, "foot", True),
        Category("bulky_waste", "Dumped bulky waste", "Gedumpt grofvuil", 3, 2, "bulky", False),
        Category("overflowing_bin", "Overflowing bin", "Volle afvalbak", 2, 2, "sweeper", True),
        Category("hazard", "Needles or hazardous waste", "Naalden of gevaarlijk afval", 5, 1, "foot", True),
    )
}


def category(code: str) -> Category | None:
    return CATEGORIES.get(code)
