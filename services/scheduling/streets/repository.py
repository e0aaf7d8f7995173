from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.scheduling.streets.models import Street


def get(session: Session, street_id: int) -> Street | None:
    return session.get(Street, street_id)


def by_external_ids(session: Session, external_ids: Sequence[str]) -> dict[str, Street]:
    found: dict[str, Street] = {}
    for start in range(0, len(external_ids), 500):
        chunk = list(external_ids[start : start + 500])
        for street in session.scalars(select(Street).where(Street.external_id.in_(chunk))):
            found[street.external_id] = street
    return found


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Street)) or 0)


def page(
    session: Session,
    *,
    limit: int,
    offset: int = 0,
    district: str | None = None,
    name_contains: str | None = None,
) -> Sequence[Street]:
    query = select(Street).order_by(Street.id).limit(limit).offset(offset)
    if district:
        query = query.where(Street.district == district)
    if name_contains:
        query = query.where(func.lower(Street.name).contains(name_contains.lower()))
    return session.scalars(query).all()


def all_streets(session: Session) -> Sequence[Street]:
    return session.scalars(select(Street).order_by(Street.id)).all()


def districts(session: Session) -> list[tuple[str, int, float]]:
    rows = session.execute(
        select(Street.district, func.count(), func.sum(Street.length_m))
        .group_by(Street.district)
        .order_by(Street.district)
    ).all()
    return [(district, int(n), float(total or 0.0)) for district, n, total in rows]


def by_ids(session: Session, ids: Sequence[int]) -> Sequence[Street]:
    found: list[Street] = []
    for start in range(0, len(ids), 500):
        found.extend(session.scalars(select(Street).where(Street.id.in_(list(ids[start : start + 500])))))
    return found


def network_fingerprint(session: Session) -> tuple[int, str]:
    """(count, latest change) of the registry: a road network built from it is stale when this changes."""
    count_, latest = session.execute(select(func.count(), func.max(Street.updated_at))).one()
    return int(count_ or 0), str(latest) if latest is not None else ""


def network_lines(session: Session) -> list[tuple[int, list[Any], int, bool]]:
    """Every street's line, one-way and drivable flags: what the road network is built from."""
    rows = session.execute(select(Street.id, Street.coordinates, Street.oneway, Street.drivable).order_by(Street.id))
    return [(int(i), list(c or []), int(o or 0), bool(d)) for i, c, o, d in rows]
