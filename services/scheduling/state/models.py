"""Scheduling's own record of what happened on each street, built from the events it consumes,
and of how its litter estimate changed over time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.scheduling.database import Base


class StreetState(Base):
    __tablename__ = "street_states"

    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), primary_key=True)
    estimate: Mapped[dict[str, Any]] = mapped_column(JSON)
    estimated_level: Mapped[str] = mapped_column(String(2), default="B")
    last_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_inspection_level: Mapped[str | None] = mapped_column(String(2), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class StreetReport(Base):
    """A resident report as scheduling knows it (no personal data ever reaches this service)."""

    __tablename__ = "street_reports"

    report_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float]
    lon: Mapped[float]
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duplicate_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)


class StreetAdoption(Base):
    __tablename__ = "street_adoptions"

    adoption_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    team_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rhythm: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date] = mapped_column(Date)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_pick_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class StreetPick(Base):
    __tablename__ = "street_picks"

    pick_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), primary_key=True)
    picked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    bags: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)


class PlannedCleanup(Base):
    """A volunteers' group clean-up: the planner may leave its streets to the group on that date."""

    __tablename__ = "planned_cleanups"

    session_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="planned")


class BagPickup(Base):
    """Full bags waiting at a spot: a stop for a crew."""

    __tablename__ = "bag_pickups"

    request_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    bags: Mapped[int] = mapped_column(Integer)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime())
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EstimateSnapshot(Base):
    """Append-only: a street's litter estimate each time it changed, and what changed it."""

    __tablename__ = "estimate_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    mean_litter: Mapped[float] = mapped_column(Float)
    sd_litter: Mapped[float] = mapped_column(Float)
    rate_mean: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(2))
    cause: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StreetInspection(Base):
    """An inspector's measurement of a street (every one, not only the last)."""

    __tablename__ = "street_inspections"

    inspection_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(2))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WeekdayLearning(Base):
    """What the measurements taught about the weekdays, per kind of street: the sufficient statistics
    of :class:`planning.estimator.WeekdayLearner` (one row per kind; the factors are solved from them)."""

    __tablename__ = "weekday_learning"

    street_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
