from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reports.inspections.models import Inspection


def for_street(session: Session, street_id: int | None, limit: int) -> Sequence[Inspection]:
    query = select(Inspection).order_by(Inspection.inspected_at.desc(), Inspection.id.desc()).limit(limit)
    if street_id is not None:
        query = query.where(Inspection.street_id == street_id)
    return session.scalars(query).all()
