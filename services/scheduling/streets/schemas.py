from __future__ import annotations

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
