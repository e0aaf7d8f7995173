"""What the policies share (crews, what the service knows, the router) and the product's policy.

The baselines live in :mod:`rota` (``rota``, ``rota+reactive``) and :mod:`bound` (``bound``).

* ``adaptive`` — Streetcare: the engine's estimator, fed the events the services would see, and
  the product's own entry point ``planning.engine.plan_streets`` with the product's defaults (the
  effort rule, the cost-aware router, the crew-shift cost) and the scenario's crews; its one knob is
  ``effort_level``. No simulator-only rule.

Every policy stops the solver after a fixed iteration count (``Policy.stop``), so a seed gives
one result on any machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import numpy as np

from services.scheduling.planning import estimator
from services.scheduling.planning.coverage import Adoption
from services.scheduling.planning.engine import DEFAULT_POLICY, ITERATION_STOP, plan_streets
from services.scheduling.planning.estimator import StreetEstimate, WeekdayLearner
from services.scheduling.planning.levels import Level
from services.scheduling.planning.network import RoadNetwork, StreetLine
from services.scheduling.planning.policy import StreetFacts
from services.scheduling.planning.routing import (
    MODE_SPEEDS,
    Crew,
    CrewMode,
    DayPlan,
    SolverStop,
    StreetCandidate,
    plan_day,
)

from .truth import Street

PICKS_KEPT = 12
ROTA_PRIZE_S_PER_M = 1000.0
"""A due rota street is worth far more than any route costs: the rota sweeps whatever is due."""


@dataclass(frozen=True)
class CrewTemplate:
    id: str
    mode: CrewMode
    size: int
    depot_lat: float
    depot_lon: float
    start_hour: float
    end_hour: float

    def on(self, day: date, suffix: str = "") -> Crew:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return Crew(
            id=self.id + suffix,
            name=self.id + suffix,
            size=self.size,
            mode=self.mode,
            depot_lat=self.depot_lat,
            depot_lon=self.depot_lon,
            shift_start=midnight + timedelta(hours=self.start_hour),
            shift_end=midnight + timedelta(hours=self.end_hour),
        )

    @property
    def metres_per_shift(self) -> float:
        speeds = MODE_SPEEDS[self.mode]
        speed = speeds.cleaning_m_per_s * (self.size if speeds.cleaning_scales_with_crew_size else 1)
        return speed * (self.end_hour - self.start_hour) * 3600.0


def _hour(text: str) -> float:
    hours, minutes = text.strip().split(":")
    return int(hours) + int(minutes) / 60.0


def crew_templates(config: Sequence[dict[str, object]], streets: Sequence[Street]) -> list[CrewTemplate]:
    """Crews from a scenario: depot ``centre``, a district name, or ``[lat, lon]``; shift ``HH:MM-HH:MM``."""
    centre = (float(np.mean([s.lat for s in streets])), float(np.mean([s.lon for s in streets])))
    templates = []
    for number, item in enumerate(config):
        depot = item.get("depot", "centre")
        if isinstance(depot, list | tuple):
            lat, lon = float(depot[0]), float(depot[1])
        elif depot == "centre":
            lat, lon = centre
        else:
            members = [s for s in streets if s.district == depot]
            if not members:
                raise ValueError(f"crew depot {depot!r}: no such district")
            lat, lon = float(np.mean([s.lat for s in members])), float(np.mean([s.lon for s in members]))
        start, end = str(item.get("shift", "07:00-15:00")).split("-")
        templates.append(
            CrewTemplate(
                id=str(item.get("id", f"crew-{number + 1}")),
                mode=CrewMode(str(item.get("mode", "foot"))),
                size=int(item.get("size", 2)),  # type: ignore[call-overload]
                depot_lat=lat,
                depot_lon=lon,
                start_hour=_hour(start),
                end_hour=_hour(end),
            )
        )
    return templates


@dataclass
class Knowledge:
    """What the scheduling service knows about the streets: built only from events."""

    estimates: list[StreetEstimate]
    last_pick_at: list[datetime | None]
    last_visit_at: list[datetime | None]
    last_inspection: list[tuple[datetime, Level] | None]
    report_times: list[list[datetime]]
    adoptions: list[tuple[Adoption, ...]] = field(default_factory=list)
    pick_times: list[list[datetime]] = field(default_factory=list)
    """Logged picks per street (the latest few): adopters' rhythms are learnt from them."""
    kinds: list[str] = field(default_factory=list)
    weekdays: WeekdayLearner = field(default_factory=WeekdayLearner)
    """The weekday factors learnt from the measurements, per kind of street (as the service does)."""
    _factors: dict[str, tuple[float, ...]] | None = None

    @classmethod
    def start(cls, streets: Sequence[Street], at: datetime) -> Knowledge:
        n = len(streets)
        return cls(
            kinds=[s.kind for s in streets],
            estimates=[estimator.prior(s.kind, s.length_m, at) for s in streets],
            last_pick_at=[None] * n,
            last_visit_at=[None] * n,
            last_inspection=[None] * n,
            report_times=[[] for _ in range(n)],
            adoptions=[() for _ in range(n)],
            pick_times=[[] for _ in range(n)],
        )

    def current(self, i: int) -> StreetEstimate:
        """The street's estimate, predicting with the weekday factors learnt so far for its kind
        (knowledge built without the streets' kinds keeps the factors its estimates carry)."""
        if not self.kinds:
            return self.estimates[i]
        if self._factors is None:
            self._factors = self.weekdays.all_factors(sorted(set(self.kinds)))
        return estimator.with_weekday_factors(self.estimates[i], self._factors[self.kinds[i]])

    def _learn(self, i: int, before: StreetEstimate, after: StreetEstimate) -> None:
        evidence = estimator.build_up_evidence(before, after)
        if evidence is not None:
            self.weekdays = self.weekdays.learn(self.kinds[i], evidence)
            self._factors = None
        self.estimates[i] = after

    # the events, as the scheduling service applies them
    def report_filed(self, i: int, at: datetime, severity: int, duplicate: bool) -> None:
        if duplicate:  # "me too" reports confirm, they do not add litter (nor move the estimate)
            return
        self.estimates[i] = estimator.observe_report(self.current(i), at, severity)
        self.report_times[i].append(at)

    def pick_logged(self, i: int, at: datetime, bags: float, minutes: float) -> None:
        before = self.current(i)
        self._learn(i, before, estimator.observe_pick(before, at, bags, minutes))
        self.last_pick_at[i] = at
        if self.pick_times:
            self.pick_times[i] = [*self.pick_times[i][-(PICKS_KEPT - 1) :], at]
        self.report_times[i].clear()  # reports are resolved by a clean

    def visit_completed(self, i: int, at: datetime, bags: float, level_found: Level | None = None) -> None:
        before = self.current(i)
        self._learn(i, before, estimator.observe_visit(before, at, bags=bags, level_found=level_found))
        self.last_visit_at[i] = at
        self.report_times[i].clear()

    def inspection_recorded(self, i: int, at: datetime, level: Level) -> None:
        before = self.current(i)
        self._learn(i, before, estimator.observe_inspection(before, at, level))
        self.last_inspection[i] = (at, level)

    def quiet_day(self, i: int, end_of_day: datetime, kind: str) -> None:
        """Nobody reported the street today (the service's nightly rule, the same function)."""
        self.estimates[i] = estimator.observe_quiet_day(self.current(i), end_of_day, kind)


class Policy:
    name = "policy"
    stop: SolverStop = ITERATION_STOP
    """When the router stops (the runner sets the scenario's iteration count)."""

    def plan(self, day: date, now: datetime) -> DayPlan:
        raise NotImplementedError


def _route(
    candidates: Sequence[StreetCandidate],
    crews: Sequence[Crew],
    seed: int,
    stop: SolverStop,
    network: RoadNetwork | None = None,
) -> DayPlan:
    return plan_day(candidates, crews, stop=stop, seed=seed, network=network)


def _candidate(street: Street, index: int, prize: float, reason: str) -> StreetCandidate:
    return StreetCandidate(
        id=street.id,
        district=street.district,
        lat=street.lat,
        lon=street.lon,
        length_m=street.length_m,
        prize=prize,
        reason=reason,
        street_id=street.id,
    )


def street_network(streets: Sequence[Street]) -> RoadNetwork | None:
    """The street network the service would build from these streets (``None`` without geometries:
    the planner then uses its counted straight-line fallback)."""
    lines = tuple(StreetLine(s.id, s.coordinates, s.oneway, s.drivable) for s in streets if len(s.coordinates) >= 2)
    return _network_of(lines) if lines else None


@lru_cache(maxsize=4)
def _network_of(lines: tuple[StreetLine, ...]) -> RoadNetwork:
    """Every policy of a run plans on the same city: its network is built once."""
    return RoadNetwork.build(lines)


class Adaptive(Policy):
    """Streetcare: the estimate, then exactly what the scheduling service runs (``plan_streets``)."""

    name = "adaptive"

    def __init__(
        self,
        streets: Sequence[Street],
        crews: Sequence[CrewTemplate],
        knowledge: Knowledge,
        target: Level,
        seed: int,
        effort_level: float = 1.0,
    ) -> None:
        self.streets = list(streets)
        self.crews = list(crews)
        self.knowledge = knowledge
        self.target = target
        self.seed = seed
        self.config = replace(DEFAULT_POLICY, effort_level=effort_level)
        self.day_number = 0
        self.planned_streets = 0
        self.network = street_network(self.streets)

    def estimate(self, i: int, now: datetime) -> StreetEstimate:
        return self.knowledge.current(i)

    def adoptions(self, i: int) -> tuple[Adoption, ...]:
        """The street's adoptions with the picks logged since each started, as the service reads them."""
        k = self.knowledge
        picks = k.pick_times[i] if k.pick_times else []
        if not picks:
            return k.adoptions[i]
        return tuple(replace(a, pick_times=tuple(t for t in picks if t >= a.started_at)) for a in k.adoptions[i])

    def facts(self, now: datetime) -> list[StreetFacts]:
        k = self.knowledge
        return [
            StreetFacts(
                street_id=s.id,
                district=s.district,
                lat=s.lat,
                lon=s.lon,
                length_m=s.length_m,
                estimate=self.estimate(i, now),
                target=self.target,
                last_pick_at=k.last_pick_at[i],
                last_visit_at=k.last_visit_at[i],
                last_inspection=k.last_inspection[i],
                report_times=tuple(k.report_times[i]),
                adoptions=self.adoptions(i),
                name=s.name,
                kind=s.kind,
            )
            for i, s in enumerate(self.streets)
        ]

    def plan(self, day: date, now: datetime) -> DayPlan:
        t = self.day_number
        self.day_number += 1
        crews = [template.on(day) for template in self.crews]
        return plan_streets(
            self.facts(now),
            day,
            now,
            crews,
            stop=self.stop,
            seed=self.seed + t,
            config=self.config,
            network=self.network,
        ).plan


__all__ = [
    "Adaptive",
    "CrewTemplate",
    "Knowledge",
    "Policy",
    "crew_templates",
    "street_network",
]
