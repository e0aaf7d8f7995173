from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ImpactOut(BaseModel):
    scope: str
    picks: int
    bags: int
    hours: float
    streets: int
    last_pick_at: datetime | None
    since: datetime | None = None


class LeaderboardEntry(BaseModel):
    rank: int
    name: str
    picks: int
    bags: int
    hours: float


class Leaderboard(BaseModel):
    district: str
    days: int
    volunteers: list[LeaderboardEntry]
    teams: list[LeaderboardEntry]
