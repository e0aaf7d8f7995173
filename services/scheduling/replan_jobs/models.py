"""A dispatcher's request to re-plan a day, and how the planner got on with it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.scheduling.database import Base

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
OPEN = (QUEUED, RUNNING)
OPEN_SQL = "status IN ('queued', 'running')"


class ReplanJob(Base):
    """Written by the API as ``queued`` (committed before the 202) and by the planner as it runs:
    ``running`` when it takes the day, then ``done`` with the version it made or ``failed``.

    At most one job per day is open (queued or running): asking again returns that one."""

    __tablename__ = "replan_jobs"
    __table_args__ = (
        Index(
            "uq_replan_jobs_open_day",
            "plan_date",
            unique=True,
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index("ix_replan_jobs_plan_date", "plan_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """How often a planner took it up (more than one: a planner died on it and another took over)."""
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    """How long the re-plan took, from the planner taking the day to the version stored."""
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
