"""What impact reads itself: street names from the service's read copy of the registry (the picks it
counts are the picks domain's, through its repository)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.volunteers.database import StreetCopy


def street_name(session: Session, street_id: int) -> str | None:
    """The street's name in the service's read copy of the registry (None before it arrives)."""
    return session.scalar(select(StreetCopy.name).where(StreetCopy.street_id == street_id))
