"""Marking plans dirty, and asking for a debounced re-plan once the marking transaction commits.

``mark_dirty`` writes a ``plan_dirty_days`` row in the caller's transaction (so the mark is as
durable as the change that caused it; the row is written last, just before the commit) and
remembers the days in ``session.info``. After the commit, a session listener hands those days to
the process's *requester* (installed into the session factory by :func:`attach`): for each day it
sets a Redis key with ``SET NX`` and a TTL of the debounce window and, only if the key was new,
sends ``scheduling.replan_day`` to the ``scheduling.planning`` queue with that countdown, so a
burst of events makes one re-plan. An *urgent* mark (a dispatcher's "re-plan now") sends the task
at once, without the debounce. Nothing here may fail the caller: Redis down only delays the
re-plan until beat's sweep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import event
from sqlalchemy.orm import Session

from kernel.errors import Unprocessable
from services.scheduling.dirty import repository, triggers
from services.scheduling.dirty.triggers import Part

if TYPE_CHECKING:
    from services.scheduling.settings import SchedulingRuntime, SchedulingSettings

log = structlog.get_logger(__name__)

REPLAN_TASK = "scheduling.replan_day"
PLANNING_QUEUE = "scheduling.planning"
DEBOUNCE_KEY = "streetcare:scheduling:replan-requested:"
DIRTY_DAYS_KEY = "scheduling.dirty_days"
URGENT_DAYS_KEY = "scheduling.urgent_days"
MARKED_DAYS_KEY = "scheduling.days_marked_in_this_transaction"
PENDING_MARKS_KEY = "scheduling.marks_to_write_before_commit"
REQUESTER_KEY = "scheduling.replan_requester"
TIMEZONE_KEY = "scheduling.timezone"
DEFAULT_TIMEZONE = "Europe/Helsinki"


def city_timezone(session: Session) -> ZoneInfo:
    return ZoneInfo(session.info.get(TIMEZONE_KEY) or DEFAULT_TIMEZONE)


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(tz).date()


def refuse_day_outside(day: date, today: date, *, days_back: int, days_ahead: int, what: str) -> None:
    """The one check for every action bound to a plan day (plan, change, undo): a 422 whose code and
    params (`past_day` + day, `too_far_ahead` + days) the pages' catalogues translate."""
    window = f"from {'today' if days_back == 0 else f'{days_back} day back'} to {days_ahead} days ahead"
    if day < today - timedelta(days=days_back):
        raise Unprocessable(
            f"{day.isoformat()} is in the past: {what} {window}",
            code="past_day",
            params={"day": day.isoformat(), "field": "plan_date"},
        )
    if day > today + timedelta(days=days_ahead):
        raise Unprocessable(f"{what} {window}", code="too_far_ahead", params={"days": days_ahead, "field": "plan_date"})


def default_days(session: Session) -> tuple[date, date]:
    """Today and tomorrow in the city: the plans an event can still change."""
    first = today(city_timezone(session))
    return first, first + timedelta(days=1)


def mark_dirty(
    session: Session, reason: Part, days: Iterable[date] | None = None, *, urgent: bool = False
) -> list[date]:
    """Mark days (default: today and tomorrow, city time) dirty in the caller's transaction, for
    ``reason`` (a :func:`triggers.trigger`: the trigger of the version the re-plan makes);
    ``urgent``: the re-plan is asked for as soon as it commits, not after the debounce window."""
    if days is None:
        days = default_days(session)
    marked = sorted(set(days))
    now = datetime.now(UTC)
    # once per day and transaction: a re-plan that read the day's generation before this commit
    # sees it changed by one mark as by twenty (events applied together mark it once; the first
    # reason stands for the lot). The row is written just before the commit (or before this
    # transaction reads marks): its UPDATE locks the day's row until the commit, and every
    # transaction that marks the same day would otherwise wait for this one's whole length
    marked_before = session.info.setdefault(MARKED_DAYS_KEY, set())
    pending: dict[date, tuple[Part, datetime]] = session.info.setdefault(PENDING_MARKS_KEY, {})
    for day in marked:
        if day not in marked_before:
            marked_before.add(day)
            pending[day] = (reason, now)
    session.info.setdefault(URGENT_DAYS_KEY if urgent else DIRTY_DAYS_KEY, set()).update(marked)
    return marked


def _write_pending_marks(session: Session) -> None:
    """The marks this transaction made, written: one statement per reason (usually one)."""
    pending: dict[date, tuple[Part, datetime]] = session.info.pop(PENDING_MARKS_KEY, {})
    by_reason: dict[tuple[Part, datetime], list[date]] = {}
    for day, made in pending.items():
        by_reason.setdefault(made, []).append(day)
    for (reason, now), days in by_reason.items():
        repository.mark(session, days, reason, now)


def generation(session: Session, day: date) -> int | None:
    _write_pending_marks(session)
    return repository.generation(session, day)


def dirty_days(session: Session) -> list[date]:
    _write_pending_marks(session)
    return repository.dirty_days(session)


def reason(session: Session, day: date) -> Part | None:
    """Why ``day`` was last marked (``None`` when it is not dirty; a plain "re-plan" for a mark
    made before marks had codes: they live seconds, so none is worth reading back from its words)."""
    _write_pending_marks(session)
    row = repository.get(session, day)
    if row is None:
        return None
    if row.reason_code in triggers.TRIGGERS:
        return Part(row.reason_code, row.reason_params or {})
    return triggers.trigger("replan")


def clear(session: Session, day: date, seen_generation: int | None) -> bool:
    """Clear the mark unless it was renewed after ``seen_generation`` was read."""
    _write_pending_marks(session)
    row = repository.get(session, day)
    if row is None:
        return True
    if seen_generation is not None and row.generation != seen_generation:
        return False
    session.delete(row)
    return True


@dataclass
class ReplanRequester:
    """Sends the debounced re-plan task by name through the service's Celery producer.

    A day this process asked for itself is not asked for again until its debounce key expires:
    the `SET NX` would find the key and send nothing, so a burst of events costs one Redis round
    trip per day and window instead of one per event and day."""

    producer: Any
    redis: Any
    debounce_seconds: float
    _asked_until: dict[date, float] = field(default_factory=dict, init=False, repr=False)

    def __call__(self, days: Iterable[date], *, urgent: bool = False) -> None:
        ttl_ms = max(1, int(self.debounce_seconds * 1000))
        for day in sorted(set(days)):
            try:
                if urgent:
                    self.producer.send_task(REPLAN_TASK, args=[day.isoformat()], queue=PLANNING_QUEUE)
                    continue
                asked_at = time.monotonic()
                if self._asked_until.get(day, 0.0) > asked_at:
                    continue
                if self.redis.set(DEBOUNCE_KEY + day.isoformat(), "1", nx=True, px=ttl_ms):
                    self.producer.send_task(
                        REPLAN_TASK,
                        args=[day.isoformat()],
                        queue=PLANNING_QUEUE,
                        countdown=self.debounce_seconds,
                    )
                    self._asked_until[day] = asked_at + ttl_ms / 1000
            except Exception as exc:  # beat's sweep re-plans dirty days anyway
                log.warning("replan.request_failed", day=day.isoformat(), error=str(exc))


def attach(
    runtime: SchedulingRuntime, settings: SchedulingSettings, requester: Callable[[Iterable[date]], None] | None = None
) -> None:
    """Make every session of this runtime know the city's time zone and how to ask for a re-plan."""
    if requester is None:
        requester = ReplanRequester(runtime.bus.producer, runtime.redis, settings.replan_debounce_seconds)
    runtime.session_factory.configure(info={REQUESTER_KEY: requester, TIMEZONE_KEY: settings.city_timezone})


@event.listens_for(Session, "before_commit")
def _write_marks_last(session: Session) -> None:
    if session.info.get(PENDING_MARKS_KEY):
        session.flush()  # the transaction's own rows first: the commit's flush would come after this
        _write_pending_marks(session)


@event.listens_for(Session, "after_commit")
def _request_replans(session: Session) -> None:
    session.info.pop(MARKED_DAYS_KEY, None)
    urgent = session.info.pop(URGENT_DAYS_KEY, set())
    days = session.info.pop(DIRTY_DAYS_KEY, set()) - urgent
    requester = session.info.get(REQUESTER_KEY)
    if requester is None:
        return
    if days:
        requester(days)
    if urgent:
        if isinstance(requester, ReplanRequester):
            requester(urgent, urgent=True)
        else:  # a test's stand-in
            requester(urgent)


@event.listens_for(Session, "after_rollback")
def _forget_marks(session: Session) -> None:
    session.info.pop(MARKED_DAYS_KEY, None)
    session.info.pop(PENDING_MARKS_KEY, None)
    session.info.pop(DIRTY_DAYS_KEY, None)
    session.info.pop(URGENT_DAYS_KEY, None)
