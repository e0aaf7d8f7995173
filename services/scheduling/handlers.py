"""The scheduling service's public event-handling module: the only thing `workers/` may call."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.scheduling.database import OutboxMessage, ProcessedEvent
from services.scheduling.settings import SchedulingSettings
from services.scheduling.state import service as state
from streetcare.core.consumer import Handler
from streetcare.core.events import EventEnvelope
from streetcare.core.handlers import ServiceEventHandlers


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

events = ServiceEventHandlers(
    service="scheduling",
    settings_factory=SchedulingSettings,
    outbox_model=OutboxMessage,
    inbox_model=ProcessedEvent,
    handlers=HANDLERS,
)
