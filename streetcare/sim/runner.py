"""Run one policy on one hidden world, day by day, and measure what happened.

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

The first ``history_days`` run the fixed rota under every policy (the city before Streetcare; the
estimator learns from them) and are not measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from services.scheduling.planning.coverage import Adoption, AdoptionStatus
from services.scheduling.planning.levels import level_from_litter, litter_upper_bound
from services.scheduling.planning.routing import DayPlan, SolverStop

from .policies import QUIET_STRENGTH_BY_KIND, Adaptive, CrewTemplate, FixedRota, Knowledge, Oracle, Policy
from .truth import (
    CREW_THOROUGHNESS,
    LITTER_CEILING,
    VOLUNTEER_PICK_SPEED_M_PER_MIN,
    World,
)

START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
POLICIES = ("fixed", "adaptive", "oracle", "adaptive-no-volunteers")


def deterministic_solver(iterations: int, no_improvement: int) -> SolverStop:
    """The solver stop every simulated policy uses: a fixed iteration count, so a seed gives one
    result on any machine (``plan_day`` takes it as its ``stop``; nothing is patched)."""
    return SolverStop.after_iterations(iterations, no_improvement=no_improvement)


@dataclass
class Result:
    """What one policy did on one world (measured days only)."""

    policy: str
    days: int
    crew_hours: float = 0.0
    crew_hours_by_street: np.ndarray = field(default_factory=lambda: np.zeros(0))
    crew_hours_with_volunteers: float = 0.0
    crew_hours_without_volunteers: float = 0.0
    visits: int = 0
    at_target: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    """[day, street] street-day at or above target."""
    c_or_d: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    mean_litter: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    volunteer_active: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    daily_crew_hours: list[float] = field(default_factory=list)
    dirty_waits: list[int] = field(default_factory=list)


def _round_half(x: float) -> float:
    return round(x * 2.0) / 2.0


def _adoptions(world: World, day: int, last_pick: dict[int, int]) -> list[tuple[Adoption, ...]]:
    """The adoptions as the volunteers service publishes them on ``day`` (announced changes only)."""
    result: list[list[Adoption]] = [[] for _ in world.streets]
    for number, volunteer in enumerate(world.volunteers):
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
                last_pick_at=START + timedelta(days=picked, hours=18),
                adopter_name=f"volunteer {number}",
            )
        )
    return [tuple(a) for a in result]


def make_policy(
    name: str, world: World, crews: list[CrewTemplate], knowledge: Knowledge, scenario: dict[str, Any], seed: int
) -> Policy:
    adaptive = scenario["adaptive"]
    if name == "fixed":
        return FixedRota(world.streets, crews, world.target, seed)
    kind = {"adaptive": Adaptive, "adaptive-no-volunteers": Adaptive, "oracle": Oracle}.get(name)
    if kind is not None:
        # the product's own planning defaults; the effort level is the one knob a scenario may set
        return kind(world.streets, crews, knowledge, world.target, seed, float(adaptive.get("effort_level", 1.0)))
    raise ValueError(f"unknown policy {name!r} (choose from {', '.join(POLICIES)})")


def run_policy(
    name: str,
    world: World,
    crews: list[CrewTemplate],
    scenario: dict[str, Any],
    seed: int,
    progress: Callable[[], None] | None = None,
    stop: SolverStop | None = None,
) -> Result:
    """Simulate ``world`` under policy ``name``; ``progress`` is called once per day; ``stop``: the
    solver stop (default: the scenario's iteration count)."""
    n = len(world.streets)
    measured = world.days - world.history_days
    bound = litter_upper_bound(world.target)
    knowledge = Knowledge.start(world.streets, START)
    history = FixedRota(world.streets, crews, world.target, seed)
    policy = history if name == "fixed" else make_policy(name, world, crews, knowledge, scenario, seed)
    solver = scenario.get("solver", {})
    stop = stop or deterministic_solver(int(solver.get("iterations", 400)), int(solver.get("no_improvement", 150)))
    history.stop = policy.stop = stop
    picks_by_day = world.volunteers_by_day()
    volunteer_number = {id(v): k for k, v in enumerate(world.volunteers)}
    last_pick: dict[int, int] = {}
    quiet_strength = [QUIET_STRENGTH_BY_KIND.get(s.kind, 0.7) for s in world.streets]
    index_of = {s.id: i for i, s in enumerate(world.streets)}
    result = Result(
        policy=name,
        days=measured,
        crew_hours_by_street=np.zeros(n),
        at_target=np.zeros((measured, n), dtype=bool),
        c_or_d=np.zeros((measured, n), dtype=bool),
        mean_litter=np.zeros((measured, n)),
        volunteer_active=np.zeros((measured, n), dtype=bool),
    )
    litter = world.initial_litter.copy()
    dirty_since: dict[int, int] = {}

    for t in range(world.days):
        day_start = START + timedelta(days=t)
        now = day_start + timedelta(hours=5)
        knowledge.adoptions = _adoptions(world, t, last_pick)
        in_history = t < world.history_days
        acting: Policy = history if in_history else policy
        if isinstance(acting, Oracle):
            acting.see(litter, world.rate)
        plan: DayPlan = acting.plan(day_start.date(), now)

        morning = litter.copy()
        mid = np.minimum(litter + world.build_up[t] / 2.0, LITTER_CEILING)
        events: list[tuple[datetime, int, int, str, tuple[Any, ...]]] = []
        clean_time: dict[int, datetime] = {}
        day_hours = 0.0
        # crews
        for route in plan.routes.values():
            if not route.visits:
                continue
            day_hours += (route.travel_seconds + route.service_seconds) / 3600.0
            previous_end = 0
            for position, visit in enumerate(route.visits):
                i = index_of[visit.street_id]
                seconds = visit.seconds_after_shift_start - previous_end + visit.service_seconds
                previous_end = visit.seconds_after_shift_start + visit.service_seconds
                if position == len(route.visits) - 1:
                    total = route.travel_seconds + route.service_seconds
                    seconds += max(0, total - previous_end)
                if not in_history:
                    hours = seconds / 3600.0
                    result.crew_hours_by_street[i] += hours
                    result.visits += 1
                bags = _round_half(
                    mid[i] * CREW_THOROUGHNESS * world.streets[i].length_m / 400.0 * world.bag_noise[t, i]
                )
                mid[i] = (1 - CREW_THOROUGHNESS) * mid[i] + CREW_THOROUGHNESS * world.crew_residual[t, i]
                at = visit.eta + timedelta(seconds=visit.service_seconds)
                clean_time[i] = min(clean_time.get(i, at), visit.eta)
                events.append((at, 2, i, "visit", (bags,)))
        # volunteers
        pick_at = day_start + timedelta(hours=18)
        for volunteer in picks_by_day.get(t, []):
            i = volunteer.street
            minutes = volunteer.pick_days[t]
            share = min(1.0, minutes * VOLUNTEER_PICK_SPEED_M_PER_MIN / world.streets[i].length_m)
            bags = max(0.5, _round_half(mid[i] * share * world.streets[i].length_m / 400.0 * world.bag_noise[t, i]))
            mid[i] = (1 - share) * mid[i] + share * world.volunteer_residual[t, i]
            last_pick[volunteer_number[id(volunteer)]] = t
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
        reported = set()
        for at, _, i, kind, payload in sorted(events, key=lambda e: (e[0], e[1], e[2])):
            if kind == "report":
                knowledge.report_filed(i, at, payload[0], duplicate=i in reported)
                reported.add(i)
            elif kind == "visit":
                knowledge.visit_completed(i, at, payload[0])
            elif kind == "pick":
                knowledge.pick_logged(i, at, payload[0], payload[1])
            elif kind == "inspection":
                knowledge.inspection_recorded(i, at, payload[0])
        end_of_day = day_start + timedelta(hours=23, minutes=59)
        for i in range(n):
            if i not in reported:
                knowledge.quiet(i, end_of_day, quiet_strength[i])
        litter = evening

        if not in_history:
            m = t - world.history_days
            day_mean = (morning + evening) / 2.0
            result.mean_litter[m] = day_mean
            result.at_target[m] = day_mean < bound
            result.c_or_d[m] = day_mean >= 3.0
            active = np.zeros(n, dtype=bool)
            for volunteer in world.volunteers:
                if volunteer.stop_day is None or t < volunteer.stop_day:
                    active[volunteer.street] = True
            result.volunteer_active[m] = active
            result.daily_crew_hours.append(day_hours)
            result.crew_hours += day_hours
            for i in range(n):
                dirty = not result.at_target[m, i]
                if dirty and i not in dirty_since:
                    dirty_since[i] = m
                elif not dirty and i in dirty_since:
                    result.dirty_waits.append(m - dirty_since.pop(i))
        if progress is not None:
            progress()
    result.dirty_waits.extend(measured - since for since in dirty_since.values())
    ever_active = result.volunteer_active.any(axis=0) if measured else np.zeros(n, dtype=bool)
    result.crew_hours_with_volunteers = float(result.crew_hours_by_street[ever_active].sum())
    result.crew_hours_without_volunteers = float(result.crew_hours_by_street[~ever_active].sum())
    return result
