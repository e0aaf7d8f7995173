from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CrewModeName = Literal["foot", "sweeper", "bulky_truck"]
HOUR = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class ShiftHours(BaseModel):
    start: str = Field(pattern=HOUR, examples=["07:00"])
    end: str = Field(pattern=HOUR, examples=["15:00"])

    @model_validator(mode="after")
    def _ends_after_start(self) -> ShiftHours:
        if self.end <= self.start:
            raise ValueError("a shift must end after it starts (same day)")
        return self


class CrewIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=1, le=20)
    mode: CrewModeName
    depot_lat: float = Field(ge=-90, le=90)
    depot_lon: float = Field(ge=-180, le=180)
    district: str | None = Field(default=None, max_length=100)
    shifts: dict[Weekday, ShiftHours]
    active: bool = True


class CrewPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    size: int | None = Field(default=None, ge=1, le=20)
    mode: CrewModeName | None = None
    depot_lat: float | None = Field(default=None, ge=-90, le=90)
    depot_lon: float | None = Field(default=None, ge=-180, le=180)
    district: str | None = Field(default=None, max_length=100)
    shifts: dict[Weekday, ShiftHours] | None = None
    active: bool | None = None


class AbsenceIn(BaseModel):
    day: date
    reason: str = Field(default="", max_length=200)


class AbsenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    reason: str


class CrewOut(CrewIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    absences: list[AbsenceOut] = Field(default_factory=list)
