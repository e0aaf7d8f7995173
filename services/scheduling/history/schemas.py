from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class ReportItem(BaseModel):
    report_id: int
    category: str
    severity: int
    filed_at: datetime
    status: str
    duplicate_of: int | None


class PickItem(BaseModel):
    pick_id: int
    picked_at: datetime
    bags: int
    minutes: int


class VisitItem(BaseModel):
    visit_id: int
    plan_date: date
    kind: str
    status: str
    crew_id: int | None
    started_at: datetime | None
    completed_at: datetime | None


class InspectionItem(BaseModel):
    inspection_id: int
    level: str
    inspected_at: datetime


class EstimatePoint(BaseModel):
    at: datetime
    mean_litter: float
    sd_litter: float
    rate_per_day: float
    level: str
    cause: str


class StreetHistory(BaseModel):
    street_id: int
    reports: list[ReportItem]
    picks: list[PickItem]
    visits: list[VisitItem]
    inspections: list[InspectionItem]
    estimates: list[EstimatePoint]
