"""The baselines a city really runs: a frequency rota swept area by area, and the rota plus reports.

``rota`` — frequency-based cleaning as Dutch municipalities contract it ("frequentiegericht"): each
kind of street is swept every ``n`` days, ``n`` sized so that a street with the kind's *average*
build-up (``kinds.kind_of(kind).build_up_per_day``, what the city knows) just reaches the target when its turn comes;
the knob multiplies the frequency (×2.0: twice as often). The streets of one interval are swept
**area by area**: each district (cut into sectors around its centre when there are fewer districts
than days in the interval) has its day, and the areas are spread over the days so that each day
holds about the same kilometres (districts are cut into about two sectors per day of the interval,
in proportion to their kilometres). No reaction to reports; a street the crews could not reach stays
due. Crews are sent out as the day's rota needs (one more crew while the due kilometres, with half
again for travel, exceed what the crews sent can sweep).

``rota+reactive`` — today's practice with a reporting system: the same rota plus an extra visit to
each reported street on the next plan (within two working days), ahead of the rota's streets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np

from services.scheduling.planning.kinds import kind_of
from services.scheduling.planning.levels import Level, litter_upper_bound
from services.scheduling.planning.routing import Crew, DayPlan, StreetCandidate

from .policies import ROTA_PRIZE_S_PER_M, CrewTemplate, Knowledge, Policy, _candidate, _route, street_network
from .truth import CREW_RESIDUAL, Street

TRAVEL_ALLOWANCE = 1.5
"""Due kilometres × this = the sweeping capacity the day's crews must have (travel takes the rest)."""
AREAS_PER_DAY = 2
"""Areas (a district, or a sector of one) per rota day: whole areas, days of about equal work."""
REPORT_PRIZE_FACTOR = 100.0
"""A reported street outranks any rota street on the day's plan."""


def contract_interval(kind: str, target: Level) -> int:
    """Days between sweeps that keep a street of the kind's average build-up at target."""
    rate = kind_of(kind).build_up_per_day
    return max(1, math.floor((litter_upper_bound(target) - CREW_RESIDUAL[0]) / rate))


def crews_for(templates: Sequence[CrewTemplate], day: date, metres: float) -> list[Crew]:
    """Enough crews (cycling through the templates) to sweep ``metres`` with travel; at least one."""
    crews: list[Crew] = []
    capacity = 0.0
    number = 0
    while templates and (capacity < metres * TRAVEL_ALLOWANCE or not crews):
        template = templates[number % len(templates)]
        rounds = number // len(templates)
        crews.append(template.on(day, "" if rounds == 0 else f"-extra{rounds}"))
        capacity += template.metres_per_shift
        number += 1
    return crews


def _sectors(members: list[int], streets: Sequence[Street], count: int) -> list[list[int]]:
    """``members`` cut into ``count`` angular sectors around their centre (contiguous areas)."""
    if count <= 1 or len(members) <= 1:
        return [members]
    lat = np.mean([streets[i].lat for i in members])
    lon = np.mean([streets[i].lon for i in members])
    ordered = sorted(members, key=lambda i: (math.atan2(streets[i].lat - lat, streets[i].lon - lon), i))
    return [list(part) for part in np.array_split(np.array(ordered), min(count, len(ordered))) if len(part)]


def area_slots(streets: Sequence[Street], members: list[int], interval: int) -> dict[int, int]:
    """Street index → day slot in ``0..interval-1``, whole areas per slot, kilometres balanced."""
    by_district: dict[str, list[int]] = {}
    for i in members:
        by_district.setdefault(streets[i].district, []).append(i)
    # about two areas per day, each district cut in proportion to its kilometres: whole areas then
    # fill the days evenly (largest first, into the lightest day)
    km = {d: sum(streets[i].length_m for i in members) for d, members in by_district.items()}
    total = sum(km.values()) or 1.0
    areas = [
        sector
        for district in sorted(by_district)
        for sector in _sectors(
            by_district[district], streets, max(1, round(AREAS_PER_DAY * interval * km[district] / total))
        )
    ]
    areas.sort(key=lambda area: (-sum(streets[i].length_m for i in area), area[0]))
    load = [0.0] * interval
    slot: dict[int, int] = {}
    for area in areas:
        chosen = min(range(interval), key=lambda d: (load[d], d))
        load[chosen] += sum(streets[i].length_m for i in area)
        for i in area:
            slot[i] = chosen
    return slot


class Rota(Policy):
    """Each street every ``interval`` days, area by area; the knob multiplies the frequency."""

    name = "rota"

    def __init__(
        self,
        streets: Sequence[Street],
        crews: Sequence[CrewTemplate],
        target: Level,
        seed: int,
        start: date,
        multiplier: float = 1.0,
    ) -> None:
        if multiplier <= 0:
            raise ValueError("the rota's frequency multiplier must be positive")
        self.streets = list(streets)
        self.crews = list(crews)
        self.seed = seed
        self.start = start
        self.multiplier = multiplier
        self.network = street_network(self.streets)
        self.interval = [max(1, round(contract_interval(s.kind, target) / multiplier)) for s in streets]
        self.slot = [0] * len(streets)
        for interval in sorted(set(self.interval)):
            members = [i for i, n in enumerate(self.interval) if n == interval]
            for i, slot in area_slots(self.streets, members, interval).items():
                self.slot[i] = slot
        self.index = {s.id: i for i, s in enumerate(streets)}
        self.due_since: dict[int, int] = {}

    def _due(self, t: int) -> list[int]:
        for i, interval in enumerate(self.interval):
            if t % interval == self.slot[i] and i not in self.due_since:
                self.due_since[i] = t
        return sorted(self.due_since, key=lambda i: (self.due_since[i], i))

    def _rota_candidates(self, t: int) -> list[StreetCandidate]:
        return [
            _candidate(
                self.streets[i],
                i,
                ROTA_PRIZE_S_PER_M * self.streets[i].length_m * (1.0 + t - self.due_since[i]),
                f"on the rota every {self.interval[i]} days",
            )
            for i in self._due(t)
        ]

    def _send(self, day: date, t: int, candidates: list[StreetCandidate]) -> DayPlan:
        crews = crews_for(self.crews, day, sum(c.length_m for c in candidates))
        plan = _route(candidates, crews, self.seed + t, self.stop, self.network)
        for visit_id in plan.planned_candidate_ids():
            self.due_since.pop(self.index[visit_id], None)
        return plan

    def plan(self, day: date, now: datetime) -> DayPlan:
        t = (day - self.start).days
        return self._send(day, t, self._rota_candidates(t))


class RotaReactive(Rota):
    """The rota plus an extra visit, on the next plan, to each street residents reported."""

    name = "rota+reactive"

    def __init__(
        self,
        streets: Sequence[Street],
        crews: Sequence[CrewTemplate],
        knowledge: Knowledge,
        target: Level,
        seed: int,
        start: date,
        multiplier: float = 1.0,
    ) -> None:
        super().__init__(streets, crews, target, seed, start, multiplier)
        self.knowledge = knowledge

    def plan(self, day: date, now: datetime) -> DayPlan:
        t = (day - self.start).days
        candidates = self._rota_candidates(t)
        on_rota = {c.id for c in candidates}
        top = max((c.prize for c in candidates), default=1.0)
        for i, times in enumerate(self.knowledge.report_times):
            if not times:
                continue
            street = self.streets[i]
            waited = max(0.0, (now - min(times)).total_seconds() / 86_400.0)
            prize = top * REPORT_PRIZE_FACTOR * (1.0 + waited)
            reason = f"{len(times)} report(s): extra visit within 2 working days"
            if street.id in on_rota:
                candidates = [c for c in candidates if c.id != street.id]
            candidates.append(_candidate(street, i, prize, reason))
        candidates.sort(key=lambda c: (-c.prize, c.id))
        return self._send(day, t, candidates)


__all__ = ["Rota", "RotaReactive", "area_slots", "contract_interval", "crews_for"]
