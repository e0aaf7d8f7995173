from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kernel.street_copy import StreetCopyMixin
from services.volunteers.database import StreetCopy
from services.volunteers.sessions.models import (
    CONFIRMED,
    PLANNED,
    WAITING,
    CleanupSession,
    CleanupSessionStreet,
    CleanupSignup,
)


def get(session: Session, session_id: int, lock: bool = False) -> CleanupSession | None:
    query = select(CleanupSession).where(CleanupSession.id == session_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def street_ids(session: Session, session_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CleanupSessionStreet.street_id)
            .where(CleanupSessionStreet.session_id == session_id)
            .order_by(CleanupSessionStreet.street_id)
        ).all()
    )


def signup(session: Session, session_id: int, volunteer_id: int) -> CleanupSignup | None:
    return session.scalar(
        select(CleanupSignup).where(CleanupSignup.session_id == session_id, CleanupSignup.volunteer_id == volunteer_id)
    )


def count(session: Session, session_id: int, status: str) -> int:
    return int(
        session.scalar(
            select(func.count()).where(CleanupSignup.session_id == session_id, CleanupSignup.status == status)
        )
        or 0
    )


def waiting_list(session: Session, session_id: int) -> Sequence[CleanupSignup]:
    return session.scalars(
        select(CleanupSignup)
        .where(CleanupSignup.session_id == session_id, CleanupSignup.status == WAITING)
        .order_by(CleanupSignup.queued_at, CleanupSignup.id)
    ).all()


def confirmed(session: Session, session_id: int) -> Sequence[CleanupSignup]:
    return session.scalars(
        select(CleanupSignup).where(CleanupSignup.session_id == session_id, CleanupSignup.status == CONFIRMED)
    ).all()


def upcoming(session: Session, now: datetime, limit: int = 50) -> Sequence[CleanupSession]:
    return session.scalars(
        select(CleanupSession)
        .where(CleanupSession.ends_at >= now, CleanupSession.status == PLANNED)
        .order_by(CleanupSession.starts_at, CleanupSession.id)
        .limit(limit)
    ).all()


def upcoming_on_street(session: Session, street_id: int, now: datetime) -> Sequence[CleanupSession]:
    return session.scalars(
        select(CleanupSession)
        .join(CleanupSessionStreet, CleanupSessionStreet.session_id == CleanupSession.id)
        .where(
            CleanupSessionStreet.street_id == street_id,
            CleanupSession.ends_at >= now,
            CleanupSession.status == PLANNED,
        )
        .order_by(CleanupSession.starts_at)
    ).all()


def signups_of(session: Session, volunteer_id: int, statuses: tuple[str, ...]) -> Sequence[CleanupSignup]:
    return session.scalars(
        select(CleanupSignup).where(CleanupSignup.volunteer_id == volunteer_id, CleanupSignup.status.in_(statuses))
    ).all()


def sessions_of(session: Session, volunteer_id: int) -> Sequence[tuple[CleanupSession, CleanupSignup]]:
    return session.execute(
        select(CleanupSession, CleanupSignup)
        .join(CleanupSignup, CleanupSignup.session_id == CleanupSession.id)
        .where(CleanupSignup.volunteer_id == volunteer_id, CleanupSignup.status.in_((CONFIRMED, WAITING)))
        .order_by(CleanupSession.starts_at)
    ).all()


def all_signups_of(session: Session, volunteer_id: int) -> Sequence[CleanupSignup]:
    """Every sign-up of the volunteer, whatever its status."""
    return session.scalars(select(CleanupSignup).where(CleanupSignup.volunteer_id == volunteer_id)).all()


def organised_by(session: Session, volunteer_id: int) -> Sequence[CleanupSession]:
    return session.scalars(select(CleanupSession).where(CleanupSession.organiser_id == volunteer_id)).all()


def street(session: Session, street_id: int) -> StreetCopyMixin | None:
    """The street in the service's read copy of the registry (None before it arrives)."""
    return session.get(StreetCopy, street_id)
