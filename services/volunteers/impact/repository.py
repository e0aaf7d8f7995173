"""Aggregates over picks. A pick on several streets counts once per scope (distinct pick ids)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.volunteers.database import StreetCopy
from services.volunteers.picks.models import Pick, PickStreet


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
        from datetime import UTC

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


def street_name(session: Session, street_id: int) -> str | None:
    """The street's name in the service's read copy of the registry (None before it arrives)."""
    return session.scalar(select(StreetCopy.name).where(StreetCopy.street_id == street_id))
