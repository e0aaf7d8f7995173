"""What the street registry publishes: `street.registered` for a new street, `street.updated` after."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import StreetChanged
from kernel.outbox import record_event
from services.scheduling.database import OutboxMessage
from services.scheduling.streets.models import Street

SOURCE = "scheduling"


def street_payload(street: Street) -> StreetChanged:
    return StreetChanged(
        street_id=street.id,
        external_id=street.external_id,
        name=street.name,
        district=street.district,
        kind=street.kind,
        length_m=street.length_m,
        coordinates=[(float(lon), float(lat)) for lon, lat in street.coordinates],
    )


def publish_street(session: Session, street: Street, *, is_new: bool) -> None:
    event_type = "street.registered" if is_new else "street.updated"
    record_event(session, OutboxMessage, SOURCE, event_type, street_payload(street))
