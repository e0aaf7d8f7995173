"""Bag pick-up: the volunteer leaves full bags at a spot; a crew collects them (visit.completed)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kernel.errors import Unprocessable
from kernel.events import VisitCompleted
from kernel.street_copy import StreetIndexCache, no_such_street
from services.volunteers.bags import events, repository
from services.volunteers.bags.models import COLLECTED, WAITING, BagRequest

SNAP_DISTANCE_M = 150.0


def request_pickup(
    session: Session,
    index: StreetIndexCache,
    volunteer_id: int | None,
    *,
    lat: float,
    lon: float,
    bags: int,
    street_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> BagRequest:
    if street_id is None:
        snapped = index.index(session).nearest(lat, lon, SNAP_DISTANCE_M)
        if snapped is None:
            raise Unprocessable(
                f"({lat:.5f}, {lon:.5f}) is not within {SNAP_DISTANCE_M:.0f} m of a street in the city; "
                "put the bags next to a street",
                code="not_near_street",
                params={"distance": round(SNAP_DISTANCE_M), "field": "lat"},
            )
        street_id = int(snapped[0])  # type: ignore[call-overload]
    elif repository.street(session, street_id) is None:
        raise no_such_street(street_id)
    request = BagRequest(
        volunteer_id=volunteer_id,
        street_id=street_id,
        lat=lat,
        lon=lon,
        bags=bags,
        note=note.strip(),
        status=WAITING,
        ready_at=now or datetime.now(UTC),
    )
    session.add(request)
    session.flush()
    events.bags_ready(session, request)
    return request


def apply_visit_completed(session: Session, data: VisitCompleted) -> bool:
    """A crew collected bags: the volunteer sees when. Applying it twice changes nothing."""
    if data.kind != "bags" or data.bag_request_id is None:
        return False
    request = repository.get(session, data.bag_request_id)
    if request is None or request.status == COLLECTED:
        return False
    request.status = COLLECTED
    request.collected_at = data.completed_at
    request.visit_id = data.visit_id
    return True


def anonymise(session: Session, volunteer_id: int) -> None:
    repository.anonymise(session, volunteer_id)
