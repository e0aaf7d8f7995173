"""The one entry point for "which streets get a crew on a day, and why".

The scheduling service (``plans.service.replan``) and the simulator's ``adaptive`` policy both call
:func:`plan_streets` with the same :class:`~policy.PolicyConfig` defaults: the effort rule (prizes in
crew-seconds, :mod:`policy`), the cost-aware router (:func:`routing.plan_day`) and the fixed cost of
a crew-shift.  Only the solver's stop differs by caller: a wall-clock budget in the service, an
iteration count in the simulator and the tests (:data:`ITERATION_STOP`).

Pure: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .coverage import PlannedCleanup
from .network import RoadNetwork
from .policy import BagStop, BulkyWasteReport, DistrictOutlook, PolicyConfig, StreetFacts, day_candidates
from .policy import horizon_outlook as _horizon_outlook
from .routing import Crew, DayPlan, Distribution, SolverStop, StreetCandidate, plan_day

__all__ = [
    "DEFAULT_POLICY",
    "ITERATION_STOP",
    "EffortPlan",
    "candidates_for_day",
    "horizon_outlook",
    "plan_streets",
]

DEFAULT_POLICY = PolicyConfig()
ITERATION_STOP = SolverStop.after_iterations(400, no_improvement=150)
"""The deterministic stop the simulator and the tests use (independent of machine speed)."""


@dataclass(frozen=True)
class EffortPlan:
    """The candidates the effort rule offered (with prizes and reasons) and the routes chosen."""

    candidates: list[StreetCandidate]
    plan: DayPlan


def candidates_for_day(
    facts: Iterable[StreetFacts],
    day: date,
    now: datetime,
    *,
    cleanups: Sequence[PlannedCleanup] = (),
    bag_stops: Iterable[BagStop] = (),
    bulky_reports: Iterable[BulkyWasteReport] = (),
    exclude: Collection[str] = (),
    config: PolicyConfig = DEFAULT_POLICY,
) -> list[StreetCandidate]:
    """Streets and stops worth offering to the router on ``day``, best first (``exclude``: ids
    already done or under way)."""
    candidates = day_candidates(facts, day, now, cleanups, bag_stops, bulky_reports, config)
    if exclude:
        candidates = [c for c in candidates if c.id not in exclude]
    return candidates


def plan_streets(
    facts: Iterable[StreetFacts],
    day: date,
    now: datetime,
    crews: Sequence[Crew],
    *,
    stop: SolverStop,
    seed: int = 0,
    cleanups: Sequence[PlannedCleanup] = (),
    bag_stops: Iterable[BagStop] = (),
    bulky_reports: Iterable[BulkyWasteReport] = (),
    fixed_visits: Mapping[str, Sequence[StreetCandidate]] | None = None,
    previous_plan: DayPlan | None = None,
    exclude: Collection[str] = (),
    config: PolicyConfig = DEFAULT_POLICY,
    network: RoadNetwork | None = None,
    distribution: Distribution | None = None,
) -> EffortPlan:
    """Plan ``day``: the effort rule picks what is worth a crew, the router orders it per crew
    (travel along ``network``, the street network, when given; straight lines otherwise; its
    sub-problems solved elsewhere when a ``distribution`` takes them, :class:`routing.Distribution`)."""
    candidates = candidates_for_day(
        facts,
        day,
        now,
        cleanups=cleanups,
        bag_stops=bag_stops,
        bulky_reports=bulky_reports,
        exclude=exclude,
        config=config,
    )
    plan = plan_day(
        candidates,
        crews,
        fixed_visits=fixed_visits,
        previous_plan=previous_plan,
        stop=stop,
        seed=seed,
        crew_shift_share=config.crew_shift_share,
        network=network,
        distribution=distribution,
    )
    return EffortPlan(candidates, plan)


def horizon_outlook(
    facts: Iterable[StreetFacts],
    day: date,
    now: datetime,
    planned: EffortPlan,
    *,
    cleanups: Sequence[PlannedCleanup] = (),
    config: PolicyConfig = DEFAULT_POLICY,
) -> list[tuple[date, list[DistrictOutlook]]]:
    """The rest of the horizon after ``day``'s plan: per day and district, the streets coming due
    (what the next days' plans will be made of, unless facts change; :func:`policy.horizon_outlook`)."""
    visited = {v.street_id for route in planned.plan.routes.values() for v in route.visits}
    return _horizon_outlook(facts, day, now, visited, cleanups, config)
