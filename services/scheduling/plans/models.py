"""Plans: versions of a day's plan, the visits on them, the diff between versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.scheduling.database import Base


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_date", "version", name="uq_plan_versions_date_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    trigger: Mapped[str] = mapped_column(String(200), default="")
    """What caused this version, in English; ``trigger_code`` and ``trigger_params`` say it for the
    pages (``dirty.triggers``; none when a caller gave words of its own)."""
    trigger_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    trigger_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    reordered: Mapped[int] = mapped_column(Integer, default=0)
    prize_collected: Mapped[float] = mapped_column(Float, default=0.0)
    prize_available: Mapped[float] = mapped_column(Float, default=0.0)
    crew_hours: Mapped[float] = mapped_column(Float, default=0.0)
    solve_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    crews: Mapped[list[Any]] = mapped_column(JSON)
    """The crews on duty as planned: id, name, mode, size, shift, depot, return time, totals."""
    dropped: Mapped[list[Any]] = mapped_column(JSON)
    """The best candidates left out, with why (at most a few hundred)."""
    districts: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    horizon: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    """The days after this one within the policy's horizon: streets coming due per district."""
    """Per district: baseline, planned, added and withdrawn crew hours (``planning.effort``)."""
    travel: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """How travel times were found: along the street network, and how many stops fell back to
    straight lines (``routing.TravelStats``)."""


class Visit(Base):
    """A street clean or a stop on a day; its id stays the same across that day's versions."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("plan_date", "candidate_id", name="uq_visits_date_candidate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date, index=True)
    candidate_id: Mapped[str] = mapped_column(String(64))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="clean")
    bag_request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    report_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="planned")
    crew_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    report_ids: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    bags_collected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Bags the crew took away, as the dispatcher recorded when marking the visit done."""
    level_found: Mapped[str | None] = mapped_column(String(2), nullable=True)
    """The CROW level the crew found on arrival (before cleaning), when recorded."""
    undo: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """What marking it done changed (the street's estimate and last visit before, the snapshot it
    added, the bag pick-up it closed), so a done made by mistake can be undone."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanEntry(Base):
    """A visit's place on one version: crew, order, ETA, reason."""

    __tablename__ = "plan_entries"
    __table_args__ = (Index("ix_plan_entries_version_crew", "version_id", "crew_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    crew_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    eta: Mapped[datetime] = mapped_column(UTCDateTime())
    service_seconds: Mapped[int] = mapped_column(Integer)
    prize: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(500))
    reason_parts: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    """``reason`` as codes and params (``planning.reasons``), for the pages to say in any language."""
    fixed: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanChange(Base):
    """One line of the diff between a version and the one before it."""

    __tablename__ = "plan_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(10))
    """added, removed, moved (to another crew) or reordered (same crew, other place in its order)."""
    visit_id: Mapped[int] = mapped_column(Integer)
    candidate_id: Mapped[str] = mapped_column(String(64))
    street_id: Mapped[int] = mapped_column(Integer)
    crew_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_crew_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    reason_parts: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


class PlanDirective(Base):
    """A dispatcher's word on one day's plan that every re-plan of that day respects.

    ``pin``: the candidate stays on ``crew_id`` that day (a fixed visit of the crew, kept at the
    start of its route after what is done or under way); a visit *moved* to another crew or day is
    a pin there (``moved_from`` names the day it came from). ``drop``: the candidate is not planned
    that day (``moved_to`` names the day it was moved to, when the drop came from a move).
    """

    __tablename__ = "plan_directives"
    __table_args__ = (UniqueConstraint("plan_date", "candidate_id", name="uq_plan_directives_date_candidate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date, index=True)
    candidate_id: Mapped[str] = mapped_column(String(64))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    crew_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    moved_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    moved_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
