"""The city's average effort per district, and how a day's plan departs from it.

The **baseline** is the effort the city works from: crew hours a day per district. A dispatcher may
set it (hours per week, ``districts`` domain); otherwise it is what a rota sized on the city's
*average* build-up needs — each street swept every ``interval`` days, the interval that keeps a
street of its kind's average build-up at its target, at the foot crew's cleaning speed plus a
travel allowance.

A plan then shows, per district, the baseline hours, the hours **added** beyond it (streets nobody
picks, reports) and the hours **withdrawn** from it (where volunteers pick, or nothing is due).
Each visit's place is said in those words: "within the district's baseline" or "added beyond the
district's baseline" (a reason part each, :mod:`reasons`).

Pure: no database, no HTTP.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .kinds import kind_of
from .levels import litter_upper_bound
from .policy import StreetFacts
from .reasons import Part, part
from .routing import MODE_SPEEDS, TRAVEL_ALLOWANCE_S, CrewMode, DayPlan

__all__ = [
    "ADDED",
    "WITHIN_BASELINE",
    "DistrictEffort",
    "average_baseline_hours",
    "district_effort",
    "visit_effort_words",
]

WITHIN_BASELINE = part("within_baseline")
ADDED = part("added_beyond_baseline")
ROTA_CREW_SIZE = 2
RESIDUAL_AFTER_CLEAN = 0.3
"""Litter left right after a sweep (a clean street is not spotless)."""


@dataclass(frozen=True)
class DistrictEffort:
    district: str
    baseline_hours: float
    planned_hours: float
    added_hours: float
    withdrawn_hours: float

    def as_dict(self) -> dict[str, float | str]:
        return {
            "district": self.district,
            "baseline_hours": round(self.baseline_hours, 2),
            "planned_hours": round(self.planned_hours, 2),
            "added_hours": round(self.added_hours, 2),
            "withdrawn_hours": round(self.withdrawn_hours, 2),
        }


def rota_interval_days(kind: str, facts: StreetFacts) -> int:
    """Days between sweeps that keep a street of its kind's average build-up at its target."""
    rate = kind_of(kind).build_up_per_day
    return max(1, math.floor((litter_upper_bound(facts.target) - RESIDUAL_AFTER_CLEAN) / rate))


def average_baseline_hours(facts: Iterable[StreetFacts]) -> dict[str, float]:
    """Crew hours a day per district that a rota sized on the city's average would spend."""
    speeds = MODE_SPEEDS[CrewMode.FOOT]
    speed = speeds.cleaning_m_per_s * ROTA_CREW_SIZE
    hours: dict[str, float] = defaultdict(float)
    for street in facts:
        seconds = max(speeds.min_service_s, street.length_m / speed) + TRAVEL_ALLOWANCE_S
        hours[street.district] += seconds / rota_interval_days(street.kind, street) / 3600.0
    return dict(hours)


def _visit_seconds(plan: DayPlan) -> dict[str, float]:
    """Crew seconds per planned candidate: its service, the hop to it, and the way home after the last."""
    seconds: dict[str, float] = {}
    for route in plan.routes.values():
        clock = 0
        for visit in route.visits:
            hop = max(0, visit.seconds_after_shift_start - clock)
            seconds[visit.candidate_id] = float(hop + visit.service_seconds)
            clock = visit.seconds_after_shift_start + visit.service_seconds
        if route.visits:
            total = route.travel_seconds + route.service_seconds
            last = route.visits[-1].candidate_id
            seconds[last] += max(0, total - sum(seconds[v.candidate_id] for v in route.visits))
    return seconds


def district_effort(
    plan: DayPlan, district_of: Mapping[str, str], baseline_hours: Mapping[str, float]
) -> list[DistrictEffort]:
    """Per district: baseline, planned, added and withdrawn crew hours (new work only)."""
    planned: dict[str, float] = defaultdict(float)
    for candidate_id, seconds in _visit_seconds(plan).items():
        planned[district_of.get(candidate_id, "")] += seconds / 3600.0
    result = []
    for district in sorted(set(planned) | set(baseline_hours)):
        base = baseline_hours.get(district, 0.0)
        hours = planned.get(district, 0.0)
        result.append(DistrictEffort(district, base, hours, max(0.0, hours - base), max(0.0, base - hours)))
    return result


def visit_effort_words(
    plan: DayPlan, district_of: Mapping[str, str], baseline_hours: Mapping[str, float]
) -> dict[str, Part]:
    """For each planned visit, whether it falls within its district's baseline or is added to it.

    Visits are counted against the baseline best prize first: the most needed work is what the
    baseline pays for; what remains beyond it is the effort added where nobody picks.
    """
    seconds = _visit_seconds(plan)
    visits = sorted(
        (v for route in plan.routes.values() for v in route.visits), key=lambda v: (-v.prize, v.candidate_id)
    )
    used: dict[str, float] = defaultdict(float)
    words = {}
    for visit in visits:
        district = district_of.get(visit.candidate_id, "")
        used[district] += seconds.get(visit.candidate_id, 0.0) / 3600.0
        words[visit.candidate_id] = WITHIN_BASELINE if used[district] <= baseline_hours.get(district, 0.0) else ADDED
    return words
