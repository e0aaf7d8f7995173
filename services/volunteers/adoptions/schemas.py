from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Rhythm = Literal["weekly", "fortnightly", "monthly"]


class TeamStreet(BaseModel):
    """A street the team looks after, as its members see it: adopted in the team's name, or by one of
    its members (named as the team shows them), with how the picking goes."""

    street_id: int
    street_name: str
    district: str
    lat: float
    lon: float
    by_team: bool
    adopter: str
    """The team's name, or the member's display name."""
    rhythm: Rhythm
    status: Literal["active", "paused", "lapsed"]
    last_pick_at: datetime | None
    next_pick_due: datetime | None


class AdoptionCreate(BaseModel):
    street_id: int
    rhythm: Rhythm = "weekly"
    team_id: int | None = Field(default=None, description="adopt for your team (you must coordinate it)")


class AdoptionPause(BaseModel):
    until: date = Field(description="the adoption resumes on this date")


class AdoptionUpdate(BaseModel):
    rhythm: Rhythm


class AdoptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    street_id: int
    street_name: str
    district: str
    team_id: int | None
    team_name: str | None
    rhythm: Rhythm
    status: Literal["active", "paused", "lapsed", "ended"]
    started_on: date
    paused_until: date | None
    last_pick_at: datetime | None
    next_pick_due: datetime | None
    can_manage: bool
