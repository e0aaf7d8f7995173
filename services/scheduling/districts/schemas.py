from __future__ import annotations

from pydantic import BaseModel, Field


class DistrictTargetOut(BaseModel):
    district: str
    streets: int
    target_level: str
    is_default: bool


class DistrictTargetIn(BaseModel):
    target_level: str = Field(pattern=r"^(A\+|A|B|C)$", description="A+, A, B or C")
