"""A service's read copy of the street registry, kept from `street.registered/updated` events.

Reports and volunteers need streets to snap a point and to show names, but may not read
scheduling's tables; each keeps this copy in its own database, and a spatial index over it in
memory that is rebuilt only when the copy changed.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Float, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel.db import UTCDateTime, utcnow
from kernel.errors import NotFound
from kernel.events import StreetChanged
from kernel.geo import StreetIndex
from kernel.runtime import ServiceRuntime


class StreetCopyMixin:
    if TYPE_CHECKING:  # the declarative constructor, for type checkers

        def __init__(self, **kwargs: Any) -> None: ...

    street_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200), index=True)
    district: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    length_m: Mapped[float] = mapped_column(Float)
    coordinates: Mapped[list[Any]] = mapped_column(JSON)
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def copy_readiness(model: type[StreetCopyMixin]) -> Callable[[Session], tuple[dict[str, int], dict[str, str]]]:
    """A readiness check: a service with no street copied yet refuses every report or pick as
    "not near any street", so it is not ready, however healthy its database and Redis are.
    The count lets `streetcare run` wait until the whole registry has arrived."""

    def check(session: Session) -> tuple[dict[str, int], dict[str, str]]:
        copied = int(session.scalar(select(func.count()).select_from(model)) or 0)
        problems = {} if copied else {"street_copy": "no streets copied from scheduling yet (street.registered events)"}
        return {"streets_copied": copied}, problems

    return check


def no_such_street(street_id: int, field: str = "street_id") -> NotFound:
    """The one refusal of a street the service's copy of the registry does not hold (`street_unknown`,
    beside the field `field` names)."""
    return NotFound(
        f"there is no street {street_id} in the city",
        code="street_unknown",
        params={"street": street_id, "field": field},
    )


def street_label(street_id: int, street: StreetCopyMixin | None) -> str:
    """What people see for a street: its name, or its number while the registry's copy is on its way."""
    return _label(street_id, street.name if street is not None else None)


def _label(street_id: int, name: str | None) -> str:
    return name if name is not None else f"street {street_id}"


def street_labels(session: Session, model: type[StreetCopyMixin], street_ids: Iterable[int]) -> dict[int, str]:
    """`street_label` of every street asked for, in one query of the names alone (not the lines)."""
    wanted = set(street_ids)
    known = known_street_labels(session, model, wanted)
    return {street_id: known.get(street_id) or _label(street_id, None) for street_id in wanted}


def known_street_labels(session: Session, model: type[StreetCopyMixin], street_ids: Iterable[int]) -> dict[int, str]:
    """`street_label` of each street asked for that the copy holds (the others are left out): which
    of them exist and what people see for each, in one query of the names alone."""
    query = select(model.street_id, model.name).where(model.street_id.in_(set(street_ids)))
    return {row.street_id: _label(row.street_id, row.name) for row in session.execute(query)}


def apply_street_changed(session: Session, model: type[StreetCopyMixin], data: StreetChanged) -> None:
    street = session.get(model, data.street_id)
    if street is None:
        street = model(street_id=data.street_id)
        session.add(street)
    lons = [lon for lon, _ in data.coordinates]
    lats = [lat for _, lat in data.coordinates]
    street.name = data.name
    street.district = data.district
    street.kind = data.kind
    street.length_m = data.length_m
    street.coordinates = [[lon, lat] for lon, lat in data.coordinates]
    street.centroid_lat = sum(lats) / len(lats)
    street.centroid_lon = sum(lons) / len(lons)
    street.updated_at = utcnow()


def street_index_of(runtime: ServiceRuntime[Any], model: type[StreetCopyMixin]) -> StreetIndexCache:
    """The process's one snapping index over its street copy (made at start, or when first asked)."""
    return runtime.kept("street_index", lambda: StreetIndexCache(model))


# How long the index is used before the copy's version is asked again: a street registered or
# moved a second ago may snap as before it changed; a request does not pay a count over every
# street (20,000 in a large city) to learn that nothing changed.
INDEX_RECHECK_AFTER_S = 1.0


class StreetIndexCache:
    """The in-memory snapping index, rebuilt when the copy's (count, last update) changes; the
    version is asked at most once per `recheck_after_s`."""

    def __init__(self, model: type[StreetCopyMixin], recheck_after_s: float = INDEX_RECHECK_AFTER_S) -> None:
        self.model = model
        self.recheck_after_s = recheck_after_s
        self._lock = threading.Lock()
        self._version: tuple[int, Any] | None = None
        self._checked_at = -math.inf
        self._index = StreetIndex()
        self._names: dict[int, str] = {}

    def index(self, session: Session) -> StreetIndex:
        if self._version is not None and time.monotonic() - self._checked_at < self.recheck_after_s:
            return self._index
        model = self.model
        version = tuple(session.execute(select(func.count(), func.max(model.updated_at))).one())
        with self._lock:
            if version != self._version:
                rows = session.execute(select(model.street_id, model.name, model.coordinates)).all()
                self._index = StreetIndex((row.street_id, row.coordinates) for row in rows)
                self._names = {row.street_id: row.name for row in rows}
                self._version = (int(version[0] or 0), version[1])  # type: ignore[call-overload]
            self._checked_at = time.monotonic()
            return self._index

    def known_labels(self, session: Session, street_ids: Iterable[int]) -> dict[int, str]:
        """`known_street_labels` from the copy as the index last read it; only streets it did not
        hold then (registered within the last recheck) are asked of the database."""
        self.index(session)
        names = self._names
        wanted = set(street_ids)
        found = {street_id: _label(street_id, names[street_id]) for street_id in wanted if street_id in names}
        missing = wanted - found.keys()
        if missing:
            found.update(known_street_labels(session, self.model, missing))
        return found

    def label(self, session: Session, street_id: int) -> str:
        """`street_label` from the copy as the index last read it: no query on the way."""
        self.index(session)
        return _label(street_id, self._names.get(street_id))
