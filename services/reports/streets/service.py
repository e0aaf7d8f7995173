"""Streets from the reports service's read copy: names, a point on a street, the map's lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.reports.streets import repository


def middle_point(coordinates: list[list[float]]) -> tuple[float, float]:
    """A point on the street (its middle vertex), unlike a centroid, which can fall off a curved street."""
    lon, lat = coordinates[len(coordinates) // 2]
    return float(lon), float(lat)


def street_name(session: Session, street_id: int) -> str:
    return repository.labels(session, {street_id})[street_id]


def street_names(session: Session, street_ids: set[int]) -> dict[int, str]:
    return repository.labels(session, street_ids)


def lines_geojson(session: Session, bbox: str | None, limit: int) -> dict[str, Any]:
    """Street lines (id and name only) as GeoJSON; a ``bbox`` that does not parse selects every street."""
    box = None
    if bbox:
        try:
            min_lon, min_lat, max_lon, max_lat = (float(part) for part in bbox.split(","))
        except ValueError:
            min_lon = min_lat = -1e9
            max_lon = max_lat = 1e9
        box = (min_lon, min_lat, max_lon, max_lat)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": int(street_id),
                "geometry": {"type": "LineString", "coordinates": coordinates},
                "properties": {"name": name},
            }
            for street_id, name, coordinates in repository.lines(session, box, limit)
        ],
    }


def search(session: Session, q: str, limit: int) -> list[dict[str, Any]]:
    """Streets whose name contains the text, with a point on each to pin the report at."""
    pattern = f"%{q.strip().lower()}%"
    rows = repository.named_like(session, pattern, max(1, min(limit, 50)))
    return [
        {"id": int(sid), "name": name, "lat": middle_point(coords)[1], "lon": middle_point(coords)[0]}
        for sid, name, coords in rows
    ]
