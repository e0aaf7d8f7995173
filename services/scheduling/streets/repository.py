from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
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


Box = tuple[float, float, float, float]
"""min_lon, min_lat, max_lon, max_lat."""

SUMMARY_COLUMNS = (
    Street.id,
    Street.name,
    Street.district,
    Street.kind,
    Street.length_m,
    Street.centroid_lat,
    Street.centroid_lon,
)


def _within(box: Box | None) -> list[ColumnElement[bool]]:
    """The conditions that put a street's centroid in ``box`` (none without one)."""
    if box is None:
        return []
    min_lon, min_lat, max_lon, max_lat = box
    return [Street.centroid_lon.between(min_lon, max_lon), Street.centroid_lat.between(min_lat, max_lat)]


def ids_in(box: Box | None) -> Select[int]:
    """The ids of the streets whose centroid lies in ``box`` (every street without one), as a query
    other domains' repositories can filter by."""
    return select(Street.id).where(*_within(box))


def summaries(session: Session, box: Box | None = None) -> Sequence[Any]:
    """(id, name, district, kind, length_m, centroid_lat, centroid_lon) of the streets whose centroid
    lies in ``box`` (every street without one), by id: no geometry, so tens of thousands stay cheap."""
    return session.execute(select(*SUMMARY_COLUMNS).where(*_within(box)).order_by(Street.id)).all()


def coordinates_of(session: Session, ids: Sequence[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        found.update(
            (row[0], row[1])
            for row in session.execute(select(Street.id, Street.coordinates).where(Street.id.in_(chunk)))
        )
    return found


def extent(session: Session) -> Box | None:
    """The box around every street's centroid (``None`` for a city without streets)."""
    row = session.execute(
        select(
            func.min(Street.centroid_lon),
            func.min(Street.centroid_lat),
            func.max(Street.centroid_lon),
            func.max(Street.centroid_lat),
        )
    ).one()
    return None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


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
