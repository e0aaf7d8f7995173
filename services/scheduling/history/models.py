from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.scheduling.database import Base
from streetcare.core.db import UTCDateTime, utcnow


class EstimateSnapshot(Base):
    """Append-only: a street's litter estimate each time it changed, and what changed it."""

    __tablename__ = "estimate_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    mean_litter: Mapped[float] = mapped_column(Float)
    sd_litter: Mapped[float] = mapped_column(Float)
    rate_mean: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(2))
    cause: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StreetInspection(Base):
    """An inspector's measurement of a street (every one, not only the last)."""

    __tablename__ = "street_inspections"

    inspection_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(2))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())
