from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reports.database import StreetCopy
from services.reports.reports.models import Report


def reports_received(
    session: Session, start: datetime, end: datetime, district: str | None, category: str | None
) -> list[Any]:
    """(district, category, status, created_at, due_at, resolved_at) of the reports received in [start, end);
    duplicates count once (on the report they were linked to)."""
    statement = (
        select(
            StreetCopy.district, Report.category, Report.status, Report.created_at, Report.due_at, Report.resolved_at
        )
        .join(StreetCopy, StreetCopy.street_id == Report.street_id, isouter=True)
        .where(Report.created_at >= start, Report.created_at < end, Report.duplicate_of.is_(None))
    )
    if district:
        statement = statement.where(StreetCopy.district == district)
    if category:
        statement = statement.where(Report.category == category)
    return list(session.execute(statement).all())
