from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.volunteers.database import Base

RHYTHM_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 30}
ACTIVE, PAUSED, LAPSED, ENDED = "active", "paused", "lapsed", "ended"
OPEN_STATUSES = (ACTIVE, PAUSED, LAPSED)


class Adoption(Base):
    """A volunteer (or a team) looks after a street with a pledged rhythm."""

    __tablename__ = "adoptions"
    __table_args__ = (
        Index("ix_adoptions_street_status", "street_id", "status"),
        Index("ix_adoptions_volunteer", "volunteer_id"),
        Index("ix_adoptions_team", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    adopted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rhythm: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    started_on: Mapped[date] = mapped_column(Date)
    active_since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_pick_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
