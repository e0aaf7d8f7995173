from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PickCreate(BaseModel):
    street_ids: list[int] = Field(min_length=1, max_length=10)
    minutes: int = Field(default=30, ge=0, le=600)
    bags: int = Field(default=1, ge=0, le=50)
    picked_at: datetime | None = Field(default=None, description="defaults to now")
    note: str = Field(default="", max_length=500)
    team_id: int | None = None
    photo: str | None = Field(default=None, max_length=7_000_000, description="data:image/jpeg;base64,…")


class PickStreetOut(BaseModel):
    id: int
    name: str


class PickOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    streets: list[PickStreetOut]
    picked_at: datetime
    minutes: int
    bags: int
    note: str
    team_id: int | None
    has_photo: bool
