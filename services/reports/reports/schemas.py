from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from services.reports.reports.privacy import clean_text

# free text as typed, without the control characters XML forbids (they broke requests.xml)
CleanText = Annotated[str, AfterValidator(clean_text)]


class ReportCreate(BaseModel):
    category: str = Field(min_length=1, max_length=40, description="a code from GET /api/v1/reports/categories")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    description: CleanText = Field(default="", max_length=2000)
    email: EmailStr | None = None
    attributes: dict[CleanText, CleanText | list[CleanText]] = Field(
        default_factory=dict, description="answers to the category's questions"
    )
    photo_id: str | None = Field(default=None, max_length=40, description="from POST /api/v1/reports/photos")
    language: Literal["nl", "en"] | None = Field(
        default=None, description="for the mail about this report (default: from Accept-Language, else nl)"
    )


class ReportCreated(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    photo_url: str | None = None


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    note: str = Field(description="in English, or as the person who wrote it wrote it")
    note_code: str | None = Field(
        default=None, description="a note the service wrote itself: its code (report.note.<code> in the catalogue)"
    )
    note_params: dict[str, Any] | None = Field(default=None, description="the values the code's text names")
    at: datetime


class ReportTracking(BaseModel):
    """What the reporter sees through the private tracking link (never the email itself)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    street_id: int
    street_name: str
    status: str
    description: str
    lat: float
    lon: float
    created_at: datetime
    due_at: datetime
    overdue: bool
    also_reported: int
    duplicate_of: int | None
    duplicate_of_status: str | None
    can_reopen: bool
    status_reason: str | None
    photo_url: str | None
    thumbnail_url: str | None
    attributes: dict[str, Any]
    email_on_file: bool
    history: list[HistoryEntry]


class PublicReport(BaseModel):
    """An open report as anyone may see it: no description, no personal data."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    category_name: str
    category_name_nl: str
    status: str
    street_id: int
    street_name: str
    lat: float
    lon: float
    created_at: datetime
    due_at: datetime
    overdue: bool
    also_reported: int
    distance_m: float | None = None
    thumbnail_url: str | None = None


class MeTooAnswer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    also_reported: int


class StatusChange(BaseModel):
    status: Literal["acknowledged", "scheduled", "resolved", "rejected", "open"]
    note: str = Field(default="", max_length=1000, description="the reason (required to reject); the reporter sees it")


class ResidentNote(BaseModel):
    note: str = Field(default="", max_length=1000)


class StaffReport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    category_name: str
    category_name_nl: str
    severity: int
    status: str
    status_reason: str | None
    street_id: int
    street_name: str
    description: str
    lat: float
    lon: float
    created_at: datetime
    due_at: datetime
    overdue: bool
    also_reported: int
    duplicate_of: int | None
    source: str
    has_email: bool
    photo_url: str | None
    attributes: dict[str, Any]
    history: list[HistoryEntry] = Field(default_factory=list)
