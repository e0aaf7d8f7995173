from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from kernel.street_copy import no_such_street
from services.volunteers.sessions import repository as sessions
from services.volunteers.streets import repository, service
from services.volunteers.streets.schemas import StreetDetail, StreetOut, UpcomingSession
from services.volunteers.web import SessionDep, StreetIndexDep

router = APIRouter(prefix="/api/v1/volunteers", tags=["streets"])


@router.get("/streets", response_model=list[StreetOut])
def search_streets(
    session: SessionDep,
    q: Annotated[str, Query(min_length=2, max_length=100, description="part of the street name")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[StreetOut]:
    return service.search(session, q, limit)


@router.get("/streets/near", response_model=list[StreetOut])
def streets_near(
    session: SessionDep,
    index: StreetIndexDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0, le=3000)] = 400,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[StreetOut]:
    return service.near(session, index, lat, lon, radius_m, limit)


@router.get("/streets/{street_id}", response_model=StreetDetail)
def street_detail(street_id: int, session: SessionDep) -> StreetDetail:
    street = repository.get(session, street_id)
    if street is None:
        raise no_such_street(street_id)
    base = service.street_out(session, street)
    upcoming = [
        UpcomingSession.model_validate(s) for s in sessions.upcoming_on_street(session, street_id, datetime.now(UTC))
    ]
    return StreetDetail(**base.model_dump(), coordinates=street.coordinates, upcoming_sessions=upcoming)
