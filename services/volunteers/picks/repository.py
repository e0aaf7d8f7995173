from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.volunteers.picks.models import Pick, PickPhoto, PickStreet


def street_ids(session: Session, pick_id: int) -> list[int]:
    return list(
        session.scalars(
            select(PickStreet.street_id).where(PickStreet.pick_id == pick_id).order_by(PickStreet.street_id)
        )
    )


def of_volunteer(session: Session, volunteer_id: int, limit: int) -> Sequence[Pick]:
    return session.scalars(
        select(Pick)
        .where(Pick.volunteer_id == volunteer_id)
        .order_by(Pick.picked_at.desc(), Pick.id.desc())
        .limit(limit)
    ).all()


def has_photo(session: Session, pick_id: int) -> bool:
    return session.get(PickPhoto, pick_id) is not None


def anonymise(session: Session, volunteer_id: int) -> None:
    session.execute(update(Pick).where(Pick.volunteer_id == volunteer_id).values(volunteer_id=None))
