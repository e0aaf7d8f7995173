from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from services.scheduling.database import Base
from streetcare.core.db import UTCDateTime, utcnow


class DistrictTarget(Base):
    """The CROW level a district's streets should meet (streets without a row: the city's basis, B)."""

    __tablename__ = "district_targets"

    district: Mapped[str] = mapped_column(String(100), primary_key=True)
    target_level: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
