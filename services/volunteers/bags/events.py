"""What bag requests publish: one `bags.ready` per request — a stop for a crew."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import BagsReady
from kernel.outbox import record_event
from services.volunteers.bags.models import BagRequest
from services.volunteers.database import OutboxMessage


def bags_ready(session: Session, request: BagRequest) -> str:
    return record_event(
        session,
        OutboxMessage,
        "volunteers",
        "bags.ready",
        BagsReady(
            request_id=request.id,
            street_id=request.street_id,
            lat=request.lat,
            lon=request.lon,
            bags=request.bags,
            ready_at=request.ready_at,
        ),
    )
