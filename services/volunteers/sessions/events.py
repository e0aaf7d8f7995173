"""What clean-up sessions publish: `cleanup.planned` when a session is planned or cancelled."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import CleanupPlanned
from kernel.outbox import record_event
from services.volunteers.database import OutboxMessage
from services.volunteers.sessions.models import CleanupSession


def cleanup_planned(session: Session, cleanup: CleanupSession, street_ids: list[int]) -> str:
    return record_event(
        session,
        OutboxMessage,
        "volunteers",
        "cleanup.planned",
        CleanupPlanned(
            session_id=cleanup.id,
            street_ids=street_ids,
            starts_at=cleanup.starts_at,
            ends_at=cleanup.ends_at,
            status=cleanup.status,
        ),
    )
