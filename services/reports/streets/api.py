"""Streets from the reports service's read copy: for the report page's map and name search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from kernel.service_app import SessionDep
from services.reports.streets import service

router = APIRouter(prefix="/api/v1/reports/streets", tags=["streets"])


@router.get(".geojson")
def streets_geojson(
    session: SessionDep,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    limit: Annotated[int, Query(ge=1, le=20000)] = 5000,
) -> dict[str, Any]:
    """Street lines (id and name only) as GeoJSON, to draw the map the resident taps on."""
    return service.lines_geojson(session, bbox, limit)


@router.get("/search")
def search_streets(
    session: SessionDep, q: Annotated[str, Query(min_length=2, max_length=100)], limit: int = 10
) -> list[dict[str, Any]]:
    """Streets whose name contains the text, with a point on each to pin the report at."""
    return service.search(session, q, limit)
