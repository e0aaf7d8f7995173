from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.scheduling.staff.models import StaffAccount


def by_email(session: Session, email: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.email == email.strip().lower()))
