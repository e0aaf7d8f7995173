"""Queries on the reports service's read copy of the street registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kernel.street_copy import StreetCopyMixin, street_labels
from services.reports.database import StreetCopy


def get(session: Session, street_id: int) -> StreetCopyMixin | None:
    return session.get(StreetCopy, street_id)


def districts(session: Session) -> dict[int, str]:
    """Every copied street's district, by street id."""
    return dict(session.execute(select(StreetCopy.street_id, StreetCopy.district)).all())


def labels(session: Session, street_ids: Iterable[int]) -> dict[int, str]:
    return street_labels(session, StreetCopy, street_ids)


def lines(
    session: Session, bbox: tuple[float, float, float, float] | None, limit: int
) -> Sequence[tuple[int, str, list[Any]]]:
    """(id, name, coordinates) of the streets whose centroid lies in ``bbox``, by id."""
    query = select(StreetCopy.street_id, StreetCopy.name, StreetCopy.coordinates).order_by(StreetCopy.street_id)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        query = query.where(
            StreetCopy.centroid_lon.between(min_lon, max_lon), StreetCopy.centroid_lat.between(min_lat, max_lat)
        )
    return [(street_id, name, coordinates) for street_id, name, coordinates in session.execute(query.limit(limit))]


def named_like(session: Session, pattern: str, limit: int) -> Sequence[tuple[int, str, list[Any]]]:
    """(id, name, coordinates) of the streets whose lower-case name is ``LIKE pattern``, by name."""
    rows = session.execute(
        select(StreetCopy.street_id, StreetCopy.name, StreetCopy.coordinates)
        .where(func.lower(StreetCopy.name).like(pattern))
        .order_by(StreetCopy.name, StreetCopy.street_id)
        .limit(limit)
    ).all()
    return [(street_id, name, coordinates) for street_id, name, coordinates in rows]


def coordinates_of(session: Session, street_id: int) -> list[Any] | None:
    row = session.execute(select(StreetCopy.coordinates).where(StreetCopy.street_id == street_id)).first()
    return None if row is None else row[0]


def named(session: Session, lower_name: str) -> tuple[str, list[Any]] | None:
    """(name, coordinates) of the first street (by id) with exactly this name, ignoring case."""
    row = session.execute(
        select(StreetCopy.name, StreetCopy.coordinates)
        .where(func.lower(StreetCopy.name) == lower_name)
        .order_by(StreetCopy.street_id)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def names_and_coordinates(session: Session) -> Sequence[tuple[str, list[Any]]]:
    return [
        (name, coordinates) for name, coordinates in session.execute(select(StreetCopy.name, StreetCopy.coordinates))
    ]
