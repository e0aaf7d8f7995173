from __future__ import annotations

from pydantic import BaseModel, Field


class DistrictTargetOut(BaseModel):
    district: str
    streets: int
    target_level: str
    is_default: bool


class DistrictTargetIn(BaseModel):
    target_level: str = Field(pattern=r"^(A\+|A|B|C)$", description="A+, A, B or C")


class DistrictBaselineOut(BaseModel):
    district: str
    hours_per_week: float | None = Field(description="set by a dispatcher; null: the city's average")
    is_default: bool


class DistrictBaselineIn(BaseModel):
    hours_per_week: float = Field(ge=0.0, le=2000.0, description="crew hours per week the district works from")
