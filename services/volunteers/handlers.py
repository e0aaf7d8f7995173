"""The volunteers service's public event-handling module: the only thing `workers/` may call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kernel.events import EventEnvelope, VisitCompleted
from kernel.handlers import ServiceEventHandlers, service_event_handlers
from services.volunteers import models_registry  # noqa: F401  (every table's mapper, for the worker)
from services.volunteers.adoptions import service as adoptions
from services.volunteers.bags import service as bags
from services.volunteers.database import OutboxMessage, ProcessedEvent, StreetCopy
from services.volunteers.impact import service as impact
from services.volunteers.mail import outbox as mail_outbox
from services.volunteers.settings import VolunteersSettings


def _visit_completed(session: Session, _envelope: EventEnvelope, data: VisitCompleted) -> None:
    """A crew collected bags a volunteer asked for: the volunteer sees when (idempotent); the
    volunteer, or the adopters of a street a crew cleaned, are thanked by mail."""
    bags.apply_visit_completed(session, data)
    impact.thank_after_visit(session, data)


def make_events(settings_factory: Callable[[], VolunteersSettings] = VolunteersSettings) -> ServiceEventHandlers:
    """The consumer for this service; its periodic sweep also delivers due mail."""
    return service_event_handlers(
        "volunteers",
        settings_factory,
        OutboxMessage,
        ProcessedEvent,
        {"visit.completed": _visit_completed},
        street_copy=StreetCopy,
        also_sweep=mail_outbox.deliver_due_mail,
    )


events = make_events()
HANDLERS = events.handlers


def send_nudges_and_mark_lapses(
    now: datetime | None = None, *, handlers: ServiceEventHandlers | None = None
) -> dict[str, Any]:
    """The periodic pledge check (schedule it with beat, e.g. hourly): reminders by mail after
    2× the pledged rhythm without a pick, `adoption.ended` (lapsed) after 4×, and paused
    adoptions resumed when their date comes. Safe to run as often as you like."""
    runtime = (handlers or events).runtime
    settings = runtime.settings
    with runtime.transaction() as session:
        outcome = adoptions.send_nudges_and_mark_lapses(
            session,
            now,
            nudge_after=settings.nudge_after_rhythms,
            lapse_after=settings.lapse_after_rhythms,
        )
    return {"resumed": outcome.resumed, "nudged": outcome.nudged, "lapsed": outcome.lapsed}
