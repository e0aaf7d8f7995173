from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class LatLon(BaseModel):
    lat: float
    lon: float


class StreetSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    district: str
    kind: str
    length_m: float
    centroid: LatLon


class StreetList(BaseModel):
    items: list[StreetSummary]
    total: int
    limit: int
    offset: int


class DistrictSummary(BaseModel):
    name: str
    streets: int
    length_km: float


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
