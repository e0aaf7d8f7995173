from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.reports.database import Base


class Photo(Base):
    """A cleaned photo (re-encoded JPEG without EXIF) and its thumbnail; the files live in storage."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    original_format: Mapped[str] = mapped_column(String(20))
    report_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
