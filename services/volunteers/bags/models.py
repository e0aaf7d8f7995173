from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.volunteers.database import Base

WAITING, COLLECTED = "waiting", "collected"


class BagRequest(Base):
    """'My bags are ready here': full bags waiting at a spot for a crew to collect."""

    __tablename__ = "bag_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), nullable=True, index=True)
    street_id: Mapped[int] = mapped_column(Integer, index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    bags: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=WAITING)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
