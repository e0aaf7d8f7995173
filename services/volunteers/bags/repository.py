from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.volunteers.bags.models import BagRequest


def get(session: Session, request_id: int) -> BagRequest | None:
    return session.get(BagRequest, request_id)


def of_volunteer(session: Session, volunteer_id: int, limit: int) -> Sequence[BagRequest]:
    return session.scalars(
        select(BagRequest)
        .where(BagRequest.volunteer_id == volunteer_id)
        .order_by(BagRequest.ready_at.desc(), BagRequest.id.desc())
        .limit(limit)
    ).all()


def anonymise(session: Session, volunteer_id: int) -> None:
    session.execute(update(BagRequest).where(BagRequest.volunteer_id == volunteer_id).values(volunteer_id=None))
