"""Run one policy on one hidden world, day by day, and record what happened.

A day (times UTC, day 0 a Monday):

1. 05:00 the policy plans the day from what it knows (``plan_day``, the real router);
2. the first half of the day's build-up; crews clean the planned streets at their ETAs, volunteers
   whose pick falls on the day pick at 18:00; the second half of the build-up, dumped waste;
3. the events the services would produce reach the scheduling engine in time order: inspections
   (10:00, the true level), ``report.filed`` (before any clean that day), ``visit.completed`` with
   the bags filled, ``pick.logged`` with bags and minutes, and a quiet day (``observe_quiet``) for
   each street nobody reported;
4. a street-day is *at target* when the day's mean litter (morning and evening) is within the
   target level.

The first ``history_days`` run the contract rota under every policy (the city before Streetcare;
the estimator learns from them) and are not measured. They are the same for every policy, so a
:class:`Simulation` runs them once and each policy continues from a copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from services.scheduling.planning import estimator
from services.scheduling.planning.coverage import Adoption, AdoptionStatus
from services.scheduling.planning.engine import DEFAULT_POLICY, ITERATION_STOP
from services.scheduling.planning.levels import level_from_litter, litter_upper_bound
from services.scheduling.planning.routing import DayPlan, SolverStop

from .bound import Bound
from .options import POLICIES, RENAMED
from .policies import Adaptive, CrewTemplate, Knowledge, Policy
from .rota import Rota, RotaReactive
from .truth import (
    CREW_THOROUGHNESS,
    LITTER_CEILING,
    VOLUNTEER_PICK_SPEED_M_PER_MIN,
    World,
)

START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
SimEvent = tuple[datetime, int, int, str, tuple[Any, ...]]
"""(when, order among equal times, street index, kind, payload): one event the scheduling service gets."""


def learn_day(knowledge: Knowledge, events: Sequence[SimEvent], end_of_day: datetime, kinds: Sequence[str]) -> None:
    """What the scheduling service learns from one day: the day's events in the order they
    happened, then at night every street nobody reported learns from the silence.
    ``tests/test_simulator_learns_like_the_service.py`` feeds the same events to the service and compares."""
    reported = set()
    for at, _, i, kind, payload in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        if kind == "report":
            knowledge.report_filed(i, at, payload[0], duplicate=i in reported)
            reported.add(i)
        elif kind == "visit":
            knowledge.visit_completed(i, at, payload[0], *payload[1:])
        elif kind == "pick":
            knowledge.pick_logged(i, at, payload[0], payload[1])
        elif kind == "inspection":
            knowledge.inspection_recorded(i, at, payload[0])
    for i, kind_name in enumerate(kinds):
        if i not in reported:
            knowledge.quiet_day(i, end_of_day, kind_name)


CAP_SHARE_OF_SHIFT = 0.9
"""A day is at the crew cap when every crew the policy may send is out and ≥ 90 % of the shifts is used."""
D_LITTER = 4.0


def deterministic_solver(iterations: int, no_improvement: int) -> SolverStop:
    """The solver stop every simulated policy uses: a fixed iteration count, so a seed gives one
    result on any machine (``plan_day`` takes it as its ``stop``; nothing is patched)."""
    return SolverStop.after_iterations(iterations, no_improvement=no_improvement)


@dataclass
class Result:
    """What one policy did on one world (measured days only)."""

    policy: str
    knob: float
    days: int
    route_hours_by_street: np.ndarray
    at_target: np.ndarray
    """[day, street] street-day at or above target."""
    mean_litter: np.ndarray
    """[day, street] the day's mean litter (morning and evening)."""
    visited: np.ndarray
    """[day, street] a crew cleaned the street that day."""
    volunteer_active: np.ndarray
    daily_route_hours: list[float] = field(default_factory=list)
    daily_travel_hours: list[float] = field(default_factory=list)
    daily_crew_shifts: list[int] = field(default_factory=list)
    daily_shift_hours: list[float] = field(default_factory=list)
    """Crews sent out × their shift length: the hours the city pays for."""
    days_at_cap: int = 0
    capped: bool = False
    """The policy may send at most the scenario's crews (the baselines send what their plan needs)."""
    visits: int = 0

    @property
    def route_hours(self) -> float:
        return float(sum(self.daily_route_hours))

    @property
    def travel_hours(self) -> float:
        return float(sum(self.daily_travel_hours))

    @property
    def crew_hours(self) -> float:
        return float(sum(self.daily_shift_hours))

    @property
    def share_d(self) -> np.ndarray:
        return np.asarray(self.mean_litter >= D_LITTER)


def _round_half(x: float) -> float:
    return round(x * 2.0) / 2.0


def _adoptions(world: World, day: int, last_pick: dict[int, int]) -> list[tuple[Adoption, ...]]:
    """The adoptions as the volunteers service publishes them on ``day`` (announced changes only)."""
    result: list[list[Adoption]] = [[] for _ in world.streets]
    for number, volunteer in enumerate(world.volunteers):
        if day < volunteer.started_day:
            continue  # not adopted yet
        if volunteer.stop_day is not None and volunteer.stop_announced and day >= volunteer.stop_day:
            continue  # adoption.ended
        paused = any(start <= day < end for start, end in volunteer.announced_pauses)
        picked = last_pick.get(number, volunteer.last_pick_before)
        result[volunteer.street].append(
            Adoption(
                street_id=world.streets[volunteer.street].id,
                rhythm=volunteer.rhythm,
                status=AdoptionStatus.PAUSED if paused else AdoptionStatus.ACTIVE,
                started_at=START + timedelta(days=volunteer.started_day),
                last_pick_at=None if picked is None else START + timedelta(days=picked, hours=18),
                adopter_name=f"volunteer {number}",
            )
        )
    return [tuple(a) for a in result]


def adaptive_policy(world: World, crews: list[CrewTemplate], knowledge: Knowledge, seed: int, effort: float) -> Policy:
    """The product's policy (``planning.engine.plan_streets`` with its defaults) at one effort level."""
    return Adaptive(world.streets, crews, knowledge, world.target, seed, effort_level=effort)


def default_knob(name: str, scenario: dict[str, Any]) -> float:
    """The setting a policy runs at outside the frontier: the contract rota, the product's default."""
    if name in ("adaptive", "adaptive-no-volunteers", "bound"):
        return float(scenario.get("adaptive", {}).get("effort_level", DEFAULT_POLICY.effort_level))
    return 1.0


def make_policy(
    name: str,
    world: World,
    crews: list[CrewTemplate],
    knowledge: Knowledge,
    scenario: dict[str, Any],
    seed: int,
    knob: float | None = None,
) -> Policy:
    name = RENAMED.get(name, name)
    setting = default_knob(name, scenario) if knob is None else knob
    start = START.date()
    if name == "rota":
        return Rota(world.streets, crews, world.target, seed, start, multiplier=setting)
    if name == "rota+reactive":
        return RotaReactive(world.streets, crews, knowledge, world.target, seed, start, multiplier=setting)
    if name == "bound":
        return Bound(world, crews, knowledge, seed, start, effort_level=setting)
    if name in ("adaptive", "adaptive-no-volunteers"):
        return adaptive_policy(world, crews, knowledge, seed, setting)
    raise ValueError(f"unknown policy {name!r} (choose from {', '.join(POLICIES)})")


@dataclass
class DayOutcome:
    morning: np.ndarray
    evening: np.ndarray
    visited: list[int]
    route_hours_by_street: dict[int, float]
    route_hours: float
    crews_sent: int
    shift_hours: float
    """Crews sent out × their shift length."""
    travel_hours: float = 0.0
    """The part of ``route_hours`` spent between streets."""


class Simulation:
    """The world as the policies meet it: true litter, the service's knowledge, the volunteers' picks."""

    def __init__(self, world: World, crews: list[CrewTemplate], seed: int, stop: SolverStop = ITERATION_STOP) -> None:
        self.world = world
        self.stop = stop
        self.crews = crews
        self.seed = seed
        self.knowledge = Knowledge.start(world.streets, START)
        self.litter = world.initial_litter.copy()
        self.last_pick: dict[int, int] = {}
        self.t = 0
        self.picks_by_day: dict[int, list[int]] = {}
        for number, volunteer in enumerate(world.volunteers):
            for day in volunteer.pick_days:
                self.picks_by_day.setdefault(day, []).append(number)
        self.index_of = {s.id: i for i, s in enumerate(world.streets)}
        self.shift_hours = {c.id: c.end_hour - c.start_hour for c in crews}

    def crew_shift_hours(self, crew_id: str) -> float:
        """A crew's shift length (extra crews a rota sends are named ``<template>-extraN``)."""
        return self.shift_hours[crew_id.split("-extra")[0]]

    def run_history(self, progress: Callable[[], None] | None = None) -> None:
        """The contract rota for the history days (the same for every policy)."""
        rota = Rota(self.world.streets, self.crews, self.world.target, self.seed, START.date())
        while self.t < self.world.history_days:
            self.step(rota)
            if progress is not None:
                progress()

    def copy(self) -> Simulation:
        """An independent copy of the state (the world's arrays are shared: nobody writes them)."""
        return copy.deepcopy(self, memo={id(self.world): self.world})

    def step(self, policy: Policy) -> DayOutcome:
        policy.stop = self.stop
        world, knowledge, t = self.world, self.knowledge, self.t
        n = len(world.streets)
        day_start = START + timedelta(days=t)
        now = day_start + timedelta(hours=5)
        knowledge.adoptions = _adoptions(world, t, self.last_pick)
        if isinstance(policy, Bound):
            policy.see(self.litter)
        plan: DayPlan = policy.plan(day_start.date(), now)

        morning = self.litter.copy()
        mid = np.minimum(self.litter + world.build_up[t] / 2.0, LITTER_CEILING)
        events: list[SimEvent] = []
        clean_time: dict[int, datetime] = {}
        hours_by_street: dict[int, float] = {}
        route_hours = 0.0
        travel_hours = 0.0
        crews_sent = 0
        shift_hours = 0.0
        for route in plan.routes.values():
            if not route.visits:
                continue
            crews_sent += 1
            shift_hours += self.crew_shift_hours(route.crew_id)
            route_hours += (route.travel_seconds + route.service_seconds) / 3600.0
            travel_hours += route.travel_seconds / 3600.0
            previous_end = 0
            for position, visit in enumerate(route.visits):
                i = self.index_of[visit.street_id]
                seconds = visit.seconds_after_shift_start - previous_end + visit.service_seconds
                previous_end = visit.seconds_after_shift_start + visit.service_seconds
                if position == len(route.visits) - 1:
                    total = route.travel_seconds + route.service_seconds
                    seconds += max(0, total - previous_end)
                hours_by_street[i] = hours_by_street.get(i, 0.0) + seconds / 3600.0
                bags = _round_half(
                    mid[i] * CREW_THOROUGHNESS * world.streets[i].length_m / 400.0 * world.bag_noise[t, i]
                )
                mid[i] = (1 - CREW_THOROUGHNESS) * mid[i] + CREW_THOROUGHNESS * world.crew_residual[t, i]
                at = visit.eta + timedelta(seconds=visit.service_seconds)
                clean_time[i] = min(clean_time.get(i, at), visit.eta)
                events.append((at, 2, i, "visit", (bags,)))
        # volunteers
        pick_at = day_start + timedelta(hours=18)
        for number in self.picks_by_day.get(t, []):
            volunteer = world.volunteers[number]
            i = volunteer.street
            minutes = volunteer.pick_days[t]
            share = min(1.0, minutes * VOLUNTEER_PICK_SPEED_M_PER_MIN / world.streets[i].length_m)
            bags = max(0.5, _round_half(mid[i] * share * world.streets[i].length_m / 400.0 * world.bag_noise[t, i]))
            mid[i] = (1 - share) * mid[i] + share * world.volunteer_residual[t, i]
            self.last_pick[number] = t
            clean_time.setdefault(i, pick_at)
            events.append((pick_at, 3, i, "pick", (bags, minutes)))
        evening = np.minimum(mid + world.build_up[t] / 2.0 + world.dumping[t], LITTER_CEILING)
        # residents: they see the litter before anyone cleans it
        seen = morning + world.build_up[t] / 2.0
        report_p = world.report_probability(seen)
        dumped_yesterday = world.dumping[t - 1] > 0 if t else np.zeros(n, dtype=bool)
        for found in np.nonzero((world.report_draw[t] < report_p) | (dumped_yesterday & world.dumping_reported[t]))[0]:
            i = int(found)
            at = day_start + timedelta(hours=float(world.report_hour[t, i]))
            if i in clean_time:
                at = min(at, clean_time[i] - timedelta(minutes=10))
            severity = 3 if dumped_yesterday[i] or seen[i] >= 4.5 else 2 if seen[i] >= 3.5 else 1
            events.append((at, 1, i, "report", (severity,)))
        for i in world.inspections[t]:
            events.append((day_start + timedelta(hours=10), 0, i, "inspection", (level_from_litter(float(mid[i])),)))
        end_of_day = datetime.combine(day_start.date(), estimator.QUIET_DAY_ENDS, day_start.tzinfo)
        learn_day(knowledge, events, end_of_day, [street.kind for street in world.streets])
        self.litter = evening
        self.t += 1
        return DayOutcome(
            morning=morning,
            evening=evening,
            visited=sorted({i for _, _, i, kind, _ in events if kind == "visit"}),
            route_hours_by_street=hours_by_street,
            route_hours=route_hours,
            crews_sent=crews_sent,
            shift_hours=shift_hours,
            travel_hours=travel_hours,
        )


def run_policy(
    name: str,
    simulation: Simulation,
    scenario: dict[str, Any],
    knob: float | None = None,
    progress: Callable[[], None] | None = None,
) -> Result:
    """Run ``name`` from ``simulation`` (copied: the history state is not changed) to the last day."""
    sim = simulation.copy()
    world = sim.world
    name = RENAMED.get(name, name)
    if sim.t < world.history_days:
        sim.run_history()
    setting = default_knob(name, scenario) if knob is None else float(knob)
    policy = make_policy(name, world, sim.crews, sim.knowledge, scenario, sim.seed, setting)
    n = len(world.streets)
    measured = world.days - world.history_days
    bound = litter_upper_bound(world.target)
    result = Result(
        policy=name,
        knob=setting,
        days=measured,
        route_hours_by_street=np.zeros(n),
        at_target=np.zeros((measured, n), dtype=bool),
        mean_litter=np.zeros((measured, n)),
        visited=np.zeros((measured, n), dtype=bool),
        volunteer_active=np.zeros((measured, n), dtype=bool),
        capped=name in ("adaptive", "adaptive-no-volunteers"),
    )
    cap_hours = sum(sim.shift_hours.values())
    for m in range(measured):
        t = sim.t
        outcome = sim.step(policy)
        day_mean = (outcome.morning + outcome.evening) / 2.0
        result.mean_litter[m] = day_mean
        result.at_target[m] = day_mean < bound
        result.visited[m, outcome.visited] = True
        for i, hours in outcome.route_hours_by_street.items():
            result.route_hours_by_street[i] += hours
        result.visits += len(outcome.visited)
        for volunteer in world.volunteers:
            if volunteer.started_day <= t and (volunteer.stop_day is None or t < volunteer.stop_day):
                result.volunteer_active[m, volunteer.street] = True
        result.daily_route_hours.append(outcome.route_hours)
        result.daily_travel_hours.append(outcome.travel_hours)
        result.daily_crew_shifts.append(outcome.crews_sent)
        result.daily_shift_hours.append(outcome.shift_hours)
        full = outcome.crews_sent >= len(sim.crews) and outcome.route_hours >= CAP_SHARE_OF_SHIFT * cap_hours
        if result.capped and full:
            result.days_at_cap += 1
        if progress is not None:
            progress()
    return result
