"""What picks publish: one `pick.logged` per logged pick."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import PickLogged
from kernel.outbox import record_event
from services.volunteers.database import OutboxMessage
from services.volunteers.picks.models import Pick


def pick_logged(session: Session, pick: Pick, street_ids: list[int]) -> str:
    return record_event(
        session,
        OutboxMessage,
        "volunteers",
        "pick.logged",
        PickLogged(
            pick_id=pick.id,
            street_ids=street_ids,
            picked_at=pick.picked_at,
            bags=pick.bags,
            minutes=pick.minutes,
            volunteer_id=pick.volunteer_id,
            team_id=pick.team_id,
        ),
    )
