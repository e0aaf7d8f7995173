"""The scheduling service's public event-handling module: the only thing `workers/` may call.

Besides the event consumer, it offers the planner's entry points for the `scheduling.planning`
queue: ``replan_day`` (the debounced re-plan the service requests after events) and
``replan_dirty_days`` (beat's safety net), each given how the workers would solve the day's
sub-problems elsewhere; and for the `planner` queue ``solve_subproblem`` (one of them, pure).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kernel.consumer import Handler
from kernel.events import EventEnvelope
from kernel.handlers import ServiceEventHandlers, service_event_handlers
from services.scheduling.database import OutboxMessage, ProcessedEvent
from services.scheduling.dirty import service as dirty
from services.scheduling.planning import routing
from services.scheduling.plans import service as plans
from services.scheduling.settings import SchedulingRuntime, SchedulingSettings
from services.scheduling.state import service as state

REPLAN_TASK = dirty.REPLAN_TASK
PLANNING_QUEUE = dirty.PLANNING_QUEUE


def _ignore_envelope(apply: Any) -> Handler:
    def handler(session: Session, _envelope: EventEnvelope, payload: Any) -> None:
        apply(session, payload)

    return handler


HANDLERS: dict[str, Handler] = {
    "report.filed": _ignore_envelope(state.apply_report_filed),
    "report.withdrawn": _ignore_envelope(state.apply_report_withdrawn),
    "inspection.recorded": _ignore_envelope(state.apply_inspection),
    "pick.logged": _ignore_envelope(state.apply_pick_logged),
    "adoption.started": _ignore_envelope(state.apply_adoption_changed),
    "adoption.ended": _ignore_envelope(state.apply_adoption_changed),
    "cleanup.planned": _ignore_envelope(state.apply_cleanup_planned),
    "bags.ready": _ignore_envelope(state.apply_bags_ready),
}


def _ask_for_replans(runtime: SchedulingRuntime) -> None:
    """The worker's sessions know the city's time zone and ask for a re-plan after a change."""
    dirty.attach(runtime, runtime.settings)


def make_events(settings_factory: Callable[[], SchedulingSettings] = SchedulingSettings) -> ServiceEventHandlers:
    """The consumer for this service, with sessions that ask for re-plans."""
    return service_event_handlers(
        "scheduling",
        settings_factory,
        OutboxMessage,
        ProcessedEvent,
        HANDLERS,
        on_start=_ask_for_replans,
        prepare_batch=state.load_for_batch,
    )


events = make_events()


def replan_day(
    iso_date: str, trigger: str = "", solve_elsewhere: plans.SubproblemSolver | None = None
) -> dict[str, Any]:
    """Make a new version of one day's plan (one at a time per day, by a Redis lock); its
    sub-problems go to ``solve_elsewhere`` when SCHEDULING_PLANNER_DISTRIBUTED says so."""
    result = plans.replan(
        events.runtime, date.fromisoformat(iso_date), trigger=trigger, solve_elsewhere=solve_elsewhere
    )
    return {**result.__dict__, "plan_date": result.plan_date.isoformat()}


def replan_dirty_days(solve_elsewhere: plans.SubproblemSolver | None = None) -> list[dict[str, Any]]:
    """Re-plan every dirty day (and today/tomorrow when they have no plan yet)."""
    return [
        {**r.__dict__, "plan_date": r.plan_date.isoformat()}
        for r in plans.replan_dirty(events.runtime, solve_elsewhere=solve_elsewhere)
    ]


def solve_subproblem(subproblem: dict[str, Any]) -> dict[str, Any]:
    """One sub-problem of a day's plan, as plain data, solved (pure: no database, no settings)."""
    return routing.solve_subproblem(subproblem)


def learn_from_quiet_day() -> dict[str, Any]:
    """Beat's nightly learning: yesterday's silence (city time) for every street nobody reported.
    Hourly is fine: it is idempotent, and the first run after midnight does the work."""
    with events.runtime.transaction() as session:
        tz = dirty.city_timezone(session)
        day = state.yesterday(tz)
        learnt = state.learn_from_quiet_day(session, day, tz)
    return {"day": day.isoformat(), "streets": learnt}


def replan_sweep_seconds() -> float:
    """How often beat re-plans dirty days: the scheduling setting (SCHEDULING_REPLAN_SWEEP_SECONDS)."""
    return SchedulingSettings().replan_sweep_seconds
