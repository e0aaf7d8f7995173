from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class InspectionCreate(BaseModel):
    street_id: int
    level: Literal["A+", "A", "B", "C", "D"]
    coarse_litter: int = Field(ge=0, le=100_000, description="pieces of coarse litter counted")
    fine_litter: int = Field(ge=0, le=100_000, description="pieces of fine litter counted")
    note: str = Field(default="", max_length=1000)
    inspected_at: datetime | None = None


class InspectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    street_id: int
    street_name: str
    level: str
    coarse_litter: int
    fine_litter: int
    note: str
    inspected_at: datetime
