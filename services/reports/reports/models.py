from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.reports.database import Base


class Report(Base):
    """A resident's report. Personal data lives only in the reporter_* columns, erased after retention."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float]
    lon: Mapped[float]
    status: Mapped[str] = mapped_column(String(20), index=True, default="open")
    status_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), nullable=True, index=True)
    also_reported: Mapped[int] = mapped_column(Integer, default=0)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(20), default="web")
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    photo_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    api_client_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reporter_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    reporter_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    reporter_language: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")  # for mail
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReportHistory(Base):
    """Append-only: every status change with who/what caused it; never updated or deleted."""

    __tablename__ = "report_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(1000), default="")
    note_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """The service's own notes (reports.notes): their code, for the pages to say in the reader's language."""
    note_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    actor: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
