"""Streets from the reports service's read copy: for the report page's map and name search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from services.reports.database import StreetCopy
from streetcare.core.service_app import SessionDep

router = APIRouter(prefix="/api/v1/reports/streets", tags=["streets"])


@router.get(".geojson")
def streets_geojson(
    session: SessionDep,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    limit: Annotated[int, Query(ge=1, le=20000)] = 5000,
) -> dict[str, Any]:
    """Street lines (id and name only) as GeoJSON, to draw the map the resident taps on."""
    query = select(StreetCopy.street_id, StreetCopy.name, StreetCopy.coordinates).order_by(StreetCopy.street_id)
    if bbox:
        try:
            min_lon, min_lat, max_lon, max_lat = (float(part) for part in bbox.split(","))
        except ValueError:
            min_lon = min_lat = -1e9
            max_lon = max_lat = 1e9
        query = query.where(
            StreetCopy.centroid_lon.between(min_lon, max_lon), StreetCopy.centroid_lat.between(min_lat, max_lat)
        )
    rows = session.execute(query.limit(limit)).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": int(street_id),
                "geometry": {"type": "LineString", "coordinates": coordinates},
                "properties": {"name": name},
            }
            for street_id, name, coordinates in rows
        ],
    }


@router.get("/search")
def search_streets(
    session: SessionDep, q: Annotated[str, Query(min_length=2, max_length=100)], limit: int = 10
) -> list[dict[str, Any]]:
    """Streets whose name contains the text, with a point on each to pin the report at."""
    pattern = f"%{q.strip().lower()}%"
    rows = session.execute(
        select(StreetCopy.street_id, StreetCopy.name, StreetCopy.coordinates)
        .where(func.lower(StreetCopy.name).like(pattern))
        .order_by(StreetCopy.name, StreetCopy.street_id)
        .limit(max(1, min(limit, 50)))
    ).all()
    return [
        {"id": int(sid), "name": name, "lat": middle_point(coords)[1], "lon": middle_point(coords)[0]}
        for sid, name, coords in rows
    ]


def middle_point(coordinates: list[list[float]]) -> tuple[float, float]:
    """A point on the street (its middle vertex), unlike a centroid, which can fall off a curved street."""
    lon, lat = coordinates[len(coordinates) // 2]
    return float(lon), float(lat)
