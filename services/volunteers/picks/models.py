from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.volunteers.database import Base


class Pick(Base):
    """A logged litter pick. Kept (without a name) when the volunteer deletes their account."""

    __tablename__ = "picks"
    __table_args__ = (Index("ix_picks_picked_at", "picked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), nullable=True, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True, index=True)
    picked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column(Integer)
    bags: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PickStreet(Base):
    __tablename__ = "pick_streets"

    pick_id: Mapped[int] = mapped_column(ForeignKey("picks.id", ondelete="CASCADE"), primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class PickPhoto(Base):
    __tablename__ = "pick_photos"

    pick_id: Mapped[int] = mapped_column(ForeignKey("picks.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
