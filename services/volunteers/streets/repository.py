from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kernel.street_copy import StreetCopyMixin
from services.volunteers.database import StreetCopy


def get(session: Session, street_id: int) -> StreetCopyMixin | None:
    return session.get(StreetCopy, street_id)


def search(session: Session, text: str, limit: int) -> Sequence[StreetCopyMixin]:
    pattern = f"%{text.strip().lower()}%"
    starts = f"{text.strip().lower()}%"
    return session.scalars(
        select(StreetCopy)
        .where(func.lower(StreetCopy.name).like(pattern))
        .order_by(func.lower(StreetCopy.name).like(starts).desc(), StreetCopy.name, StreetCopy.street_id)
        .limit(limit)
    ).all()


def many(session: Session, street_ids: list[int]) -> dict[int, StreetCopyMixin]:
    if not street_ids:
        return {}
    rows = session.scalars(select(StreetCopy).where(StreetCopy.street_id.in_(street_ids))).all()
    return {row.street_id: row for row in rows}
