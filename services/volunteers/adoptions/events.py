"""What adoptions publish: one event per change — started (start, resume) or ended (pause, lapse, end)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import AdoptionChanged
from kernel.outbox import record_event
from services.volunteers.adoptions.models import ACTIVE, Adoption
from services.volunteers.database import OutboxMessage

SOURCE = "volunteers"


def adoption_changed(session: Session, adoption: Adoption) -> str:
    event_type = "adoption.started" if adoption.status == ACTIVE else "adoption.ended"
    return record_event(
        session,
        OutboxMessage,
        SOURCE,
        event_type,
        AdoptionChanged(
            adoption_id=adoption.id,
            street_id=adoption.street_id,
            volunteer_id=adoption.volunteer_id,
            team_id=adoption.team_id,
            rhythm=adoption.rhythm,
            status=adoption.status,
            started_on=adoption.started_on,
            paused_until=adoption.paused_until,
            last_pick_at=adoption.last_pick_at,
        ),
    )
