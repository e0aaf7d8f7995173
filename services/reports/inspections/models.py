from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.reports.database import Base


class Inspection(Base):
    """An inspector's measurement of a street on the CROW scale, with litter counts."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[str] = mapped_column(String(2))
    coarse_litter: Mapped[int] = mapped_column(Integer)
    fine_litter: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000), default="")
    inspector: Mapped[str] = mapped_column(String(80))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
