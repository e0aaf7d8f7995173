"""A street as scheduling sees it now: its expected level, target, adoption and open reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kernel.auth import Principal, Role, require_roles
from kernel.errors import Unprocessable
from kernel.service_app import SessionDep
from kernel.types import IdPath
from services.scheduling.state import service
from services.scheduling.state.schemas import MapExtent, StreetDetail
from services.scheduling.streets import repository as streets

router = APIRouter(prefix="/api/v1/scheduling", tags=["streets"])
Dispatcher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]
BBOX_LIMIT = 5000


def parse_bbox(bbox: str) -> streets.Box:
    """'min_lon,min_lat,max_lon,max_lat' → the box; a 422 with code ``bad_bbox`` otherwise."""
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in bbox.split(","))
    except ValueError:
        raise Unprocessable(
            "bbox must be min_lon,min_lat,max_lon,max_lat", code="bad_bbox", params={"field": "bbox"}
        ) from None
    if not (min_lon <= max_lon and min_lat <= max_lat):
        raise Unprocessable("bbox must run from south-west to north-east", code="bad_bbox", params={"field": "bbox"})
    return (min_lon, min_lat, max_lon, max_lat)


@router.get("/street-map")
def street_map(
    session: SessionDep,
    _: Dispatcher,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat (WGS84)")] = None,
    limit: Annotated[int | None, Query(ge=1, le=20000, description="default 5000 with a bbox")] = None,
) -> dict[str, object]:
    """The streets whose centroid lies in ``bbox`` (every street without one) as GeoJSON with the
    estimated level, target level, adoption and open reports. Past ``limit`` the worst below their
    target come first and ``truncated`` is true: the dispatch page asks for what it shows."""
    box = parse_bbox(bbox) if bbox is not None else None
    return service.street_map(session, box, limit or (BBOX_LIMIT if box is not None else None))


@router.get("/street-map/extent", response_model=MapExtent)
def street_map_extent(session: SessionDep, _: Dispatcher) -> MapExtent:
    """The box around the city's streets, for a map's first view before it asks by viewport."""
    return MapExtent(bbox=streets.extent(session))


@router.get("/streets/{street_id}", response_model=StreetDetail)
def get_street(street_id: IdPath, session: SessionDep) -> StreetDetail:
    return service.street_detail(session, street_id)
