"""The volunteers service's public event-handling module: the only thing `workers/` may call."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.volunteers.database import OutboxMessage, ProcessedEvent, StreetCopy
from services.volunteers.settings import VolunteersSettings
from streetcare.core.consumer import Handler
from streetcare.core.events import EventEnvelope, StreetChanged, VisitCompleted
from streetcare.core.handlers import ServiceEventHandlers
from streetcare.core.street_copy import apply_street_changed


def _street_changed(session: Session, _envelope: EventEnvelope, data: StreetChanged) -> None:
    apply_street_changed(session, StreetCopy, data)


def _visit_completed(session: Session, _envelope: EventEnvelope, data: VisitCompleted) -> None:
    """Bag collections are shown to the volunteer who asked (issue 4 builds the bag requests)."""


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
)
