from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kernel.street_copy import StreetCopyMixin
from services.volunteers.bags.models import WAITING, BagRequest
from services.volunteers.database import StreetCopy


def get(session: Session, request_id: int) -> BagRequest | None:
    return session.get(BagRequest, request_id)


def of_volunteer(session: Session, volunteer_id: int, limit: int) -> Sequence[BagRequest]:
    return session.scalars(
        select(BagRequest)
        .where(BagRequest.volunteer_id == volunteer_id)
        .order_by(BagRequest.ready_at.desc(), BagRequest.id.desc())
        .limit(limit)
    ).all()


def waiting(session: Session, limit: int) -> Sequence[BagRequest]:
    """Bags still waiting for a crew, the longest waiting first."""
    return session.scalars(
        select(BagRequest).where(BagRequest.status == WAITING).order_by(BagRequest.ready_at, BagRequest.id).limit(limit)
    ).all()


def waiting_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(BagRequest.status == WAITING)) or 0)


def anonymise(session: Session, volunteer_id: int) -> None:
    session.execute(update(BagRequest).where(BagRequest.volunteer_id == volunteer_id).values(volunteer_id=None))


def all_of_volunteer(session: Session, volunteer_id: int) -> Sequence[BagRequest]:
    return session.scalars(select(BagRequest).where(BagRequest.volunteer_id == volunteer_id)).all()


def street(session: Session, street_id: int) -> StreetCopyMixin | None:
    """The street in the service's read copy of the registry (None before it arrives)."""
    return session.get(StreetCopy, street_id)
