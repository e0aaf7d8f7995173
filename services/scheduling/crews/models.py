from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.scheduling.database import Base


class CrewRecord(Base):
    """A city crew: who works where, how, and when."""

    __tablename__ = "crews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    size: Mapped[int] = mapped_column(Integer, default=2)
    mode: Mapped[str] = mapped_column(String(20))
    depot_lat: Mapped[float] = mapped_column(Float)
    depot_lon: Mapped[float] = mapped_column(Float)
    district: Mapped[str | None] = mapped_column(String(100), nullable=True)
    shifts: Mapped[dict[str, Any]] = mapped_column(JSON)
    """weekday ("mon" … "sun") → {"start": "07:00", "end": "15:00"}; a missing day is a day off."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CrewAbsence(Base):
    """An availability exception: the crew does not work on that date."""

    __tablename__ = "crew_absences"

    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
