from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TeamCreate(BaseModel):
    name: str = Field(min_length=2, max_length=100)
    description: str = Field(default="", max_length=500)


class TeamJoin(BaseModel):
    code: str = Field(min_length=4, max_length=32)


class HandOver(BaseModel):
    volunteer_id: int


class MemberOut(BaseModel):
    """A team member as other members see them: no email, no phone."""

    model_config = ConfigDict(from_attributes=True)

    volunteer_id: int
    display_name: str
    role: Literal["coordinator", "member"]
    joined_at: datetime


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    my_role: Literal["coordinator", "member"] | None
    join_code: str | None = Field(default=None, description="shown to the coordinator only")
    members: list[MemberOut]
