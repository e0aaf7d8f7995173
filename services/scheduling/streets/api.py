from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kernel.responses import from_row
from kernel.service_app import SessionDep
from services.scheduling.streets import repository
from services.scheduling.streets.schemas import (
    DistrictSummary,
    LatLon,
    StreetList,
    StreetSummary,
)

router = APIRouter(prefix="/api/v1/scheduling", tags=["streets"])


@router.get("/streets", response_model=StreetList)
def list_streets(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    district: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the street name")] = None,
) -> StreetList:
    streets = repository.page(session, limit=limit, offset=offset, district=district, name_contains=q)
    items = [from_row(StreetSummary, s, centroid=LatLon(lat=s.centroid_lat, lon=s.centroid_lon)) for s in streets]
    return StreetList(items=items, total=repository.count(session), limit=limit, offset=offset)


@router.get("/districts", response_model=list[DistrictSummary])
def list_districts(session: SessionDep) -> list[DistrictSummary]:
    return [
        DistrictSummary(name=name, streets=n, length_km=round(total / 1000, 2))
        for name, n, total in repository.districts(session)
    ]
