"""The scheduling service's public event-handling module: the only thing `workers/` may call.

Besides the event consumer, it offers the planner's entry points for the `scheduling.planning`
queue: ``replan_day`` (the debounced re-plan the service requests after events) and
``replan_dirty_days`` (beat's safety net).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from services.scheduling.database import OutboxMessage, ProcessedEvent
from services.scheduling.dirty import service as dirty
from services.scheduling.plans import service as plans
from services.scheduling.settings import SchedulingSettings
from services.scheduling.state import service as state
from streetcare.core.consumer import Handler
from streetcare.core.events import EventEnvelope
from streetcare.core.handlers import ServiceEventHandlers
from streetcare.core.runtime import ServiceRuntime

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


@dataclass
class SchedulingEventHandlers(ServiceEventHandlers):
    """The shared consumer, with sessions that know the city's time zone and ask for re-plans."""

    @property
    def runtime(self) -> ServiceRuntime:
        with self._lock:
            if self._runtime is None:
                settings = self.settings_factory()
                runtime = ServiceRuntime.start(self.service, settings, self.outbox_model)
                dirty.attach(runtime, settings)
                self._runtime = runtime
            return self._runtime


events = SchedulingEventHandlers(
    service="scheduling",
    settings_factory=SchedulingSettings,
    outbox_model=OutboxMessage,
    inbox_model=ProcessedEvent,
    handlers=HANDLERS,
)


def replan_day(iso_date: str, trigger: str = "") -> dict[str, Any]:
    """Make a new version of one day's plan (one at a time per day, by a Redis lock)."""
    result = plans.replan(events.runtime, date.fromisoformat(iso_date), trigger=trigger)
    return {**result.__dict__, "plan_date": result.plan_date.isoformat()}


def replan_dirty_days() -> list[dict[str, Any]]:
    """Re-plan every dirty day (and today/tomorrow when they have no plan yet)."""
    return [{**r.__dict__, "plan_date": r.plan_date.isoformat()} for r in plans.replan_dirty(events.runtime)]


def replan_sweep_seconds() -> float:
    """How often beat re-plans dirty days: the scheduling setting (SCHEDULING_REPLAN_SWEEP_SECONDS)."""
    return SchedulingSettings().replan_sweep_seconds
