from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SessionCreate(BaseModel):
    team_id: int
    title: str = Field(min_length=1, max_length=120)
    street_ids: list[int] = Field(min_length=1, max_length=20)
    starts_at: datetime
    ends_at: datetime
    capacity: int = Field(ge=1, le=500)
    meeting_point: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=1000)


class CapacityChange(BaseModel):
    capacity: int = Field(ge=1, le=500)


class SessionStreet(BaseModel):
    id: int
    name: str


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    team_id: int
    team_name: str
    title: str
    description: str
    meeting_point: str
    streets: list[SessionStreet]
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_taken: int
    waiting: int
    status: Literal["planned", "cancelled"]
    my_status: Literal["confirmed", "waiting", "cancelled"] | None = None
    my_waiting_position: int | None = None
    can_manage: bool = False


class SignupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    session_id: int
    status: Literal["confirmed", "waiting", "cancelled"]
    waiting_position: int | None


class CancelOut(BaseModel):
    session_id: int
    status: Literal["cancelled"]
    moved_up: int
