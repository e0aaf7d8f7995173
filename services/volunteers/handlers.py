"""The volunteers service's public event-handling module: the only thing `workers/` may call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.volunteers import models_registry  # noqa: F401  (every table's mapper, for the worker)
from services.volunteers.adoptions import service as adoptions
from services.volunteers.bags import service as bags
from services.volunteers.database import OutboxMessage, ProcessedEvent, StreetCopy
from services.volunteers.mail import outbox as mail_outbox
from services.volunteers.mail.service import Mailer, mailer_for
from services.volunteers.settings import VolunteersSettings
from streetcare.core.consumer import Handler
from streetcare.core.events import EventEnvelope, StreetChanged, VisitCompleted
from streetcare.core.handlers import ServiceEventHandlers
from streetcare.core.street_copy import apply_street_changed


def _street_changed(session: Session, _envelope: EventEnvelope, data: StreetChanged) -> None:
    apply_street_changed(session, StreetCopy, data)


def _visit_completed(session: Session, _envelope: EventEnvelope, data: VisitCompleted) -> None:
    """A crew collected bags a volunteer asked for: the volunteer sees when (idempotent); the
    volunteer, or the adopters of a street a crew cleaned, are thanked by mail."""
    bags.apply_visit_completed(session, data)
    mail_outbox.thank_after_visit(session, data)


HANDLERS: dict[str, Handler] = {
    "street.registered": _street_changed,
    "street.updated": _street_changed,
    "visit.completed": _visit_completed,
}

events = ServiceEventHandlers(
    service="volunteers",
    settings_factory=VolunteersSettings,
    outbox_model=OutboxMessage,
    inbox_model=ProcessedEvent,
    handlers=HANDLERS,
    also_sweep=mail_outbox.deliver_due_mail,
)


def send_nudges_and_mark_lapses(
    now: datetime | None = None, *, handlers: ServiceEventHandlers | None = None, mailer: Mailer | None = None
) -> dict[str, Any]:
    """The periodic pledge check (schedule it with beat, e.g. hourly): reminders by mail after
    2× the pledged rhythm without a pick, `adoption.ended` (lapsed) after 4×, and paused
    adoptions resumed when their date comes. Safe to run as often as you like."""
    runtime = (handlers or events).runtime
    settings = runtime.settings
    with runtime.transaction() as session:
        outcome = adoptions.send_nudges_and_mark_lapses(
            session,
            mailer or mailer_for(settings.mail_dir),
            now,
            nudge_after=settings.nudge_after_rhythms,
            lapse_after=settings.lapse_after_rhythms,
            public_url=settings.public_url,
        )
    return {"resumed": outcome.resumed, "nudged": outcome.nudged, "lapsed": outcome.lapsed}
