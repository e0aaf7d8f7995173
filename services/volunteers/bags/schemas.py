from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class BagRequestCreate(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    bags: int = Field(ge=1, le=30)
    street_id: int | None = Field(default=None, description="else the street nearest to the spot")
    note: str = Field(default="", max_length=300, description="e.g. 'next to the blue bin'")


class BagRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    street_id: int
    street_name: str
    lat: float
    lon: float
    bags: int
    note: str
    status: Literal["waiting", "collected"]
    ready_at: datetime
    collected_at: datetime | None
