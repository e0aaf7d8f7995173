from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, SmallInteger, String, true
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.scheduling.database import Base
from services.scheduling.planning.kinds import DEFAULT_KIND


class Street(Base):
    """A street in the registry: the unit the city plans, volunteers adopt and residents report on."""

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    district: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(40), default=DEFAULT_KIND)
    length_m: Mapped[float] = mapped_column(Float)
    coordinates: Mapped[list[Any]] = mapped_column(JSON)
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    oneway: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    """1: vehicles only in the direction of ``coordinates``; -1: only against it; 0: both ways."""
    drivable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False for a street vehicles may not use (a pedestrian street): crews on foot only."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
