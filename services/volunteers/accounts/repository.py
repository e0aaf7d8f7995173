from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.volunteers.accounts.models import Volunteer


def by_email(session: Session, email: str) -> Volunteer | None:
    return session.scalar(select(Volunteer).where(Volunteer.email == email.strip().lower()))


def get(session: Session, volunteer_id: int) -> Volunteer | None:
    return session.get(Volunteer, volunteer_id)
