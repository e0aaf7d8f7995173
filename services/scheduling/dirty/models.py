"""The days whose plan waits for a re-plan."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.scheduling.database import Base


class PlanDirty(Base):
    """A day whose plan no longer reflects what is known; written with the change that caused it.

    ``generation`` grows with every mark, so a re-plan that started before a newer mark leaves
    the row in place (and a newer re-plan follows)."""

    __tablename__ = "plan_dirty_days"

    plan_date: Mapped[date] = mapped_column(Date, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(String(200), default="")
    reason_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """``reason`` as a code and params (:mod:`triggers`): the trigger of the version it causes."""
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
