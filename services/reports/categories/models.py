from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.reports.database import Base


class ReportCategory(Base):
    """What residents can report. Retired, never deleted, once a report uses it (reports keep its code).

    `attributes` holds the questions (Open311 service attributes) in order:
    [{"code", "datatype", "required", "description_en", "description_nl", "datatype_description",
      "values": [{"key", "name_en", "name_nl"}]}].
    """

    __tablename__ = "report_categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_en: Mapped[str] = mapped_column(String(100))
    name_nl: Mapped[str] = mapped_column(String(100))
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_nl: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[int] = mapped_column(Integer)
    response_working_days: Mapped[int] = mapped_column(Integer)
    crew_mode: Mapped[str] = mapped_column(String(20), default="foot")
    cleans_street: Mapped[bool] = mapped_column(Boolean, default=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
