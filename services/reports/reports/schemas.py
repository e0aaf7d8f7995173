from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from services.reports.reports.categories import CATEGORIES

CATEGORY_PATTERN = "^(" + "|".join(CATEGORIES) + ")$"


class ReportCreate(BaseModel):
    category: str = Field(pattern=CATEGORY_PATTERN, description="one of: " + ", ".join(CATEGORIES))
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    description: str = Field(default="", max_length=2000)
    email: EmailStr | None = None


class ReportCreated(BaseModel):
    id: int
    street_id: int
    street_name: str
    status: str
    category: str
    tracking_token: str
    tracking_url: str
    created_at: datetime
    due_at: datetime
    duplicate_of: int | None = None


class HistoryEntry(BaseModel):
    status: str
    note: str
    at: datetime


class ReportTracking(BaseModel):
    id: int
    category: str
    street_id: int
    street_name: str
    status: str
    description: str
    created_at: datetime
    due_at: datetime
    history: list[HistoryEntry]
