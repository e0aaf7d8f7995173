from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.volunteers.database import Base

PLANNED, CANCELLED = "planned", "cancelled"
CONFIRMED, WAITING, WITHDRAWN = "confirmed", "waiting", "cancelled"


class CleanupSession(Base):
    """A group clean-up a team's coordinator plans on one or more streets."""

    __tablename__ = "cleanup_sessions"
    __table_args__ = (Index("ix_cleanup_sessions_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    organiser_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    meeting_point: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=PLANNED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CleanupSessionStreet(Base):
    __tablename__ = "cleanup_session_streets"

    session_id: Mapped[int] = mapped_column(ForeignKey("cleanup_sessions.id", ondelete="CASCADE"), primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class CleanupSignup(Base):
    """A place in a session, or on its waiting list (first come, first served)."""

    __tablename__ = "cleanup_signups"
    __table_args__ = (UniqueConstraint("session_id", "volunteer_id", name="uq_signup_session_volunteer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cleanup_sessions.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
