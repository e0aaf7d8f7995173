from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class LatLon(BaseModel):
    lat: float
    lon: float


class Adopter(BaseModel):
    """Who looks after a street, as other volunteers see it: a display name or a team name only."""

    name: str
    kind: Literal["volunteer", "team"]
    rhythm: str
    status: str


class StreetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    district: str
    kind: str
    length_m: float
    centroid: LatLon
    distance_m: float | None = None
    adopters: list[Adopter]


class UpcomingSession(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    starts_at: datetime


class StreetDetail(StreetOut):
    coordinates: list[list[float]]
    upcoming_sessions: list[UpcomingSession]
