"""Re-plan jobs: opened by a dispatcher's "re-plan now", taken and closed by the planner.

The API opens a job (one open job per day: asking again returns it) in the request's
transaction; the caller marks the day dirty in the same transaction, so a job whose message to
the planner is lost (Redis down) is still carried out by beat's sweep of dirty days. The planner
(``plans.service.replan``) takes the day's open jobs when it holds the day's lock, and closes them
with the version it stored, or with the reason it failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from kernel.errors import NotFound
from kernel.responses import from_row
from services.scheduling.replan_jobs import repository
from services.scheduling.replan_jobs.models import DONE, QUEUED, RUNNING, ReplanJob
from services.scheduling.replan_jobs.schemas import ReplanJobOut

JOBS_PATH = "/api/v1/scheduling/replan-jobs/"


def job_url(job_id: str) -> str:
    return JOBS_PATH + job_id


def open_job(session: Session, day: date, requested_by: str, now: datetime | None = None) -> tuple[ReplanJob, bool]:
    """The day's open job, or a new queued one; and whether it is new."""
    now = now or datetime.now(UTC)
    new_id = str(uuid.uuid4())
    repository.insert_unless_open(session, new_id, day, requested_by, now)
    job = repository.open_for_day(session, day)
    if job is None:  # pragma: no cover - closed between the two statements: ask for a new one
        return open_job(session, day, requested_by, now)
    return job, job.id == new_id  # (rowcount is no help: SQLite does not reset it on DO NOTHING)


def get(session: Session, job_id: str) -> ReplanJob:
    job = repository.get(session, job_id) if len(job_id) <= 36 else None
    if job is None:
        raise NotFound(f"there is no re-plan job {job_id[:36]}", code="replan_job_unknown")
    return job


def take(session: Session, day: date, now: datetime | None = None) -> list[str]:
    """The planner starts on ``day``: its open jobs are running from now."""
    return repository.take_open(session, day, now or datetime.now(UTC))


def finish(session: Session, ids: Sequence[str], version: int, seconds: float) -> None:
    repository.finish(session, ids, version, round(seconds, 3), datetime.now(UTC))


def fail(session: Session, ids: Sequence[str], reason: str) -> None:
    repository.fail(session, ids, reason, datetime.now(UTC))


def expire_before(session: Session, day: date) -> int:
    """Open jobs for days already past will not be planned any more."""
    return repository.fail_open_before(session, day, "the day passed before the planner got to it", datetime.now(UTC))


def _seconds(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else round(max(0.0, (end - start).total_seconds()), 1)


def view(job: ReplanJob, now: datetime | None = None) -> ReplanJobOut:
    """The job as the API shows it, with the seconds so far worked out here (not on the page's clock)."""
    now = now or datetime.now(UTC)
    if job.status == QUEUED:
        waited = _seconds(job.requested_at, now)
        elapsed = None
        detail = f"waiting for the planner ({waited} s)"
    elif job.status == RUNNING:
        waited = _seconds(job.requested_at, job.started_at or now)
        elapsed = _seconds(job.started_at, now)
        detail = f"planning for {elapsed} s"
    elif job.status == DONE:
        waited = _seconds(job.requested_at, job.started_at or now)
        elapsed = job.seconds
        detail = f"version {job.version}, planned in {job.seconds} s"
    else:
        waited = _seconds(job.requested_at, job.started_at or job.finished_at or now)
        elapsed = _seconds(job.started_at, job.finished_at or now)
        detail = f"the re-plan failed: {job.error or 'no reason given'}"
    return from_row(
        ReplanJobOut, job, job_id=job.id, url=job_url(job.id), waited_seconds=waited, seconds=elapsed, detail=detail
    )
