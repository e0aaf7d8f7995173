from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, exists, func, insert, select, update
from sqlalchemy.orm import Session

from kernel.db import insert_new, table_of
from kernel.street_copy import StreetCopyMixin
from kernel.street_copy import street_labels as street_labels_of
from services.volunteers.database import StreetCopy
from services.volunteers.picks.models import Pick, PickPhoto, PickStreet


def get(session: Session, pick_id: int) -> Pick | None:
    return session.get(Pick, pick_id)


def insert_pick(session: Session, values: dict[str, Any]) -> Pick:
    """A pick logged, stored in one INSERT now; the object is not tracked by the session (nothing
    changes a pick in the request that logs it)."""
    return insert_new(session, Pick, values)


def photo(session: Session, pick_id: int) -> PickPhoto | None:
    return session.get(PickPhoto, pick_id)


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
    """Whether a photo is stored, without loading it."""
    return bool(session.scalar(select(exists().where(PickPhoto.pick_id == pick_id))))


def street_labels(session: Session, pick_id: int) -> dict[int, str]:
    """The pick's streets by id, with what people see for each (names alone, not the lines)."""
    return street_labels_of(session, StreetCopy, street_ids(session, pick_id))


_ADD_STREETS = insert(table_of(PickStreet))


def add_streets(session: Session, pick_id: int, street_ids: Sequence[int]) -> None:
    """The streets of a pick just stored, in one INSERT executed now (nothing loads them back)."""
    session.execute(_ADD_STREETS, [{"pick_id": pick_id, "street_id": street_id} for street_id in street_ids])


def anonymise(session: Session, volunteer_id: int) -> None:
    session.execute(update(Pick).where(Pick.volunteer_id == volunteer_id).values(volunteer_id=None))


def all_of_volunteer(session: Session, volunteer_id: int) -> Sequence[Pick]:
    return session.scalars(select(Pick).where(Pick.volunteer_id == volunteer_id)).all()


def streets_of_volunteer(session: Session, volunteer_id: int) -> Sequence[PickStreet]:
    """The streets of every pick the volunteer logged."""
    return session.scalars(select(PickStreet).where(PickStreet.pick_id.in_(picks_of_volunteer(volunteer_id)))).all()


def photos_of_volunteer(session: Session, volunteer_id: int) -> Sequence[PickPhoto]:
    """The photos of every pick the volunteer logged."""
    return session.scalars(select(PickPhoto).where(PickPhoto.pick_id.in_(picks_of_volunteer(volunteer_id)))).all()


def street(session: Session, street_id: int) -> StreetCopyMixin | None:
    """The street in the service's read copy of the registry (None before it arrives)."""
    return session.get(StreetCopy, street_id)


# ---- aggregates (impact): a pick on several streets counts once per scope (distinct pick ids) ----


def totals(
    session: Session, pick_ids: Select[Any], since: datetime | None
) -> tuple[int, int, int, datetime | None, int]:
    query = select(
        func.count(Pick.id),
        func.coalesce(func.sum(Pick.bags), 0),
        func.coalesce(func.sum(Pick.minutes), 0),
        func.max(Pick.picked_at),
    ).where(Pick.id.in_(pick_ids))
    streets = select(func.count(func.distinct(PickStreet.street_id))).where(PickStreet.pick_id.in_(pick_ids))
    if since is not None:
        query = query.where(Pick.picked_at >= since)
        streets = streets.join(Pick, Pick.id == PickStreet.pick_id).where(Pick.picked_at >= since)
    picks, bags, minutes, last = session.execute(query).one()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return int(picks), int(bags), int(minutes), last, int(session.scalar(streets) or 0)


def picks_of_volunteer(volunteer_id: int) -> Select[Any]:
    return select(Pick.id).where(Pick.volunteer_id == volunteer_id)


def picks_of_team(team_id: int, member_ids: list[int]) -> Select[Any]:
    condition = Pick.team_id == team_id
    if member_ids:
        condition = condition | Pick.volunteer_id.in_(member_ids)
    return select(Pick.id).where(condition)


def picks_on_street(street_id: int) -> Select[Any]:
    return select(PickStreet.pick_id).where(PickStreet.street_id == street_id)


def picks_in_district(district: str) -> Select[Any]:
    return (
        select(PickStreet.pick_id)
        .join(StreetCopy, StreetCopy.street_id == PickStreet.street_id)
        .where(StreetCopy.district == district)
    )


def ranking(session: Session, district: str, since: datetime, by: Any) -> Sequence[Any]:
    return session.execute(
        select(by, func.count(Pick.id), func.coalesce(func.sum(Pick.bags), 0), func.coalesce(func.sum(Pick.minutes), 0))
        .where(Pick.id.in_(picks_in_district(district)), Pick.picked_at >= since, by.is_not(None))
        .group_by(by)
        .order_by(func.sum(Pick.bags).desc(), func.count(Pick.id).desc(), by)
    ).all()
