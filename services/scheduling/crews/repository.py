from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.scheduling.crews.models import CrewAbsence, CrewRecord


def get(session: Session, crew_id: int) -> CrewRecord | None:
    return session.get(CrewRecord, crew_id)


def by_name(session: Session, name: str) -> CrewRecord | None:
    return session.scalar(select(CrewRecord).where(CrewRecord.name == name))


def all_crews(session: Session, *, include_inactive: bool = False) -> Sequence[CrewRecord]:
    query = select(CrewRecord).order_by(CrewRecord.id)
    if not include_inactive:
        query = query.where(CrewRecord.active.is_(True))
    return session.scalars(query).all()


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(CrewRecord)) or 0)


def absence(session: Session, crew_id: int, day: date) -> CrewAbsence | None:
    return session.get(CrewAbsence, (crew_id, day))


def absences(session: Session, crew_id: int) -> Sequence[CrewAbsence]:
    return session.scalars(select(CrewAbsence).where(CrewAbsence.crew_id == crew_id).order_by(CrewAbsence.day)).all()


def absent_on(session: Session, day: date) -> set[int]:
    return set(session.scalars(select(CrewAbsence.crew_id).where(CrewAbsence.day == day)))
