"""Every query on ``replan_jobs``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.scheduling.replan_jobs.models import DONE, FAILED, OPEN, OPEN_SQL, QUEUED, RUNNING, ReplanJob


def get(session: Session, job_id: str) -> ReplanJob | None:
    return session.get(ReplanJob, job_id)


def open_for_day(session: Session, day: date) -> ReplanJob | None:
    return session.scalar(select(ReplanJob).where(ReplanJob.plan_date == day, ReplanJob.status.in_(OPEN)))


def insert_unless_open(session: Session, job_id: str, day: date, requested_by: str, now: datetime) -> None:
    """A queued job for ``day``, unless one is open already (then nothing, also under a race)."""
    values: dict[str, Any] = {
        "id": job_id,
        "plan_date": day,
        "status": QUEUED,
        "requested_by": requested_by[:100],
        "requested_at": now,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        table: Any = ReplanJob.__table__
        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table).values(**values)
        session.execute(insert.on_conflict_do_nothing(index_elements=["plan_date"], index_where=text(OPEN_SQL)))
    elif open_for_day(session, day) is None:  # pragma: no cover - other databases
        session.add(ReplanJob(**values))
        session.flush()


def take_open(session: Session, day: date, now: datetime) -> list[str]:
    """The day's open jobs become running (a running one was left by a planner that died: the
    caller holds the day's lock, so nobody else works on it)."""
    ids = list(session.scalars(select(ReplanJob.id).where(ReplanJob.plan_date == day, ReplanJob.status.in_(OPEN))))
    if ids:
        session.execute(
            update(ReplanJob)
            .where(ReplanJob.id.in_(ids))
            .values(status=RUNNING, started_at=now, attempts=ReplanJob.attempts + 1)
        )
    return ids


def finish(session: Session, ids: Sequence[str], version: int, seconds: float, now: datetime) -> None:
    if ids:
        session.execute(
            update(ReplanJob)
            .where(ReplanJob.id.in_(list(ids)), ReplanJob.status == RUNNING)
            .values(status=DONE, version=version, seconds=seconds, finished_at=now, error=None)
        )


def fail(session: Session, ids: Sequence[str], reason: str, now: datetime) -> None:
    if ids:
        session.execute(
            update(ReplanJob)
            .where(ReplanJob.id.in_(list(ids)), ReplanJob.status.in_(OPEN))
            .values(status=FAILED, error=reason[:500], finished_at=now)
        )


def fail_open_before(session: Session, day: date, reason: str, now: datetime) -> int:
    result = session.execute(
        update(ReplanJob)
        .where(ReplanJob.plan_date < day, ReplanJob.status.in_(OPEN))
        .values(status=FAILED, error=reason[:500], finished_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
