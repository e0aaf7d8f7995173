from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.scheduling.database import Base


class DistrictTarget(Base):
    """The CROW level a district's streets should meet (streets without a row: the city's basis, B)."""

    __tablename__ = "district_targets"

    district: Mapped[str] = mapped_column(String(100), primary_key=True)
    target_level: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DistrictBaseline(Base):
    """The city's average effort in a district as a dispatcher set it: crew hours per week.

    Districts without a row work from the average a rota sized on the city's build-up needs
    (``planning.effort.average_baseline_hours``)."""

    __tablename__ = "district_baselines"

    district: Mapped[str] = mapped_column(String(100), primary_key=True)
    hours_per_week: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
