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


class BagsAt(BaseModel):
    """Full bags at a spot: where, how many, since when and the volunteer's directions (never who asked)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    """The bag pick-up request; the planner's stop for it is the candidate ``bags:<id>``."""
    street_id: int
    street_name: str
    lat: float
    lon: float
    bags: int
    note: str
    ready_at: datetime


class WaitingBags(BagsAt):
    """Bags still waiting for a crew, as the dispatcher's work queue lists them."""


class WaitingBagsList(BaseModel):
    total: int
    requests: list[WaitingBags]


class BagRequestOut(BagsAt):
    """A volunteer's own request, with what became of it."""

    status: Literal["waiting", "collected"]
    collected_at: datetime | None
