from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class StatisticsRow(BaseModel):
    district: str
    category: str
    received: int
    resolved: int
    overdue: int
    median_hours_to_resolve: float | None
    share_within_target: float | None


class Statistics(BaseModel):
    start: datetime
    end: datetime
    district: str | None
    category: str | None
    rows: list[StatisticsRow]
