from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from services.scheduling.streets.schemas import StreetSummary


class MapExtent(BaseModel):
    bbox: tuple[float, float, float, float] | None
    """min_lon, min_lat, max_lon, max_lat of the streets' centroids (``None``: no streets yet)."""


class StreetGeometry(BaseModel):
    type: str = "LineString"
    coordinates: list[list[float]]


class StreetDetail(StreetSummary):
    geometry: StreetGeometry
    open_reports: int
    estimated_level: str
    target_level: str
    adopted: bool
    adopters: int
    last_cleaned_at: datetime | None
    last_picked_at: datetime | None
    last_visited_at: datetime | None
    last_report_at: datetime | None
