"""The transactional outbox: record an event with the change, publish it after commit.

`record_event` only adds a row to the caller's session; nothing leaves the process until the
unit of work commits. `OutboxRelay.publish` then sends exactly those rows; `sweep` (run by beat)
sends whatever is still unpublished a few seconds later — after a crash or while Redis was down.

Published is not applied: with the Redis transport a message leaves the queue at the worker's
BRPOP, before the worker records it as unacknowledged, so a worker killed in between loses it
(celery/celery#4354). `redeliver_unconfirmed` therefore sends a published event again to each
subscriber that has not confirmed it (consumers confirm after their commit), with a wait that
grows with the event's age; idempotent consumers make the extra copies harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from kernel import metrics
from kernel.db import PENDING_OUTBOX_KEY, OutboxMixin
from kernel.events import EventData, durable_subscribers, new_event
from kernel.logs import current_correlation_id

log = structlog.get_logger(__name__)


def record_event(
    session: Session, outbox_model: type[OutboxMixin], source: str, event_type: str, data: EventData
) -> str:
    envelope = new_event(event_type, source, data, correlation_id=current_correlation_id())
    row = outbox_model(
        id=str(envelope.id),
        event_type=event_type,
        envelope=envelope.model_dump(mode="json"),
        attempts=0,
    )
    session.add(row)
    session.info.setdefault(PENDING_OUTBOX_KEY, []).append(row.id)
    return row.id


REDELIVER_WAIT_MAX = timedelta(hours=1)


class Confirmations(Protocol):
    """What the relay asks the bus to find and re-send events no subscriber confirmed."""

    def unconfirmed(self, envelope: dict[str, Any]) -> list[str]: ...

    def forget_confirmations(self, envelope: dict[str, Any]) -> None: ...

    def publish(self, envelope: dict[str, Any], only: list[str] | None = None) -> None: ...


@dataclass
class OutboxRelay:
    service: str
    session_factory: sessionmaker[Session]
    outbox_model: type[OutboxMixin]
    send: Callable[[dict[str, Any]], None]
    confirmations: Confirmations | None = None

    def publish(self, ids: list[str]) -> int:
        """Publish the rows a transaction just committed; failures stay for the sweep."""
        model = self.outbox_model
        with self.session_factory() as session:
            rows = session.scalars(select(model).where(model.id.in_(ids), model.published_at.is_(None))).all()
            return self._send_rows(session, list(rows))

    def sweep(self, older_than: timedelta = timedelta(seconds=5), limit: int = 500) -> int:
        model = self.outbox_model
        cutoff = datetime.now(UTC) - older_than
        with self.session_factory() as session:
            query = (
                select(model)
                .where(model.published_at.is_(None), model.created_at <= cutoff)
                .order_by(model.created_at)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query).all())
            return self._send_rows(session, rows)

    def _send_rows(self, session: Session, rows: list[Any]) -> int:
        sent = 0
        for row in rows:
            try:
                self.send(row.envelope)
            except Exception as exc:  # broker down: leave the row for the sweep
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("outbox.publish_failed", service=self.service, event_id=row.id, error=row.last_error)
                break
            row.published_at = datetime.now(UTC)
            row.attempts += 1
            if not durable_subscribers(row.event_type):
                row.confirmed_at = row.published_at  # nobody to confirm it: nothing to redeliver
            sent += 1
            metrics.EVENTS_PUBLISHED.labels(self.service, row.event_type).inc()
        session.commit()
        return sent

    def redeliver_unconfirmed(self, after: timedelta, limit: int = 500) -> int:
        """Send published events again to the subscribers that have not confirmed them.

        An event is due once it has waited `after` since it was last sent, and longer as it ages
        (its age at the last send, capped at an hour), so a subscriber that is down for long gets
        a copy now and then, not one per sweep. Returns how many events were sent again."""
        if self.confirmations is None:
            return 0
        model = self.outbox_model
        now = datetime.now(UTC)
        with self.session_factory() as session:
            query = (
                select(model)
                .where(
                    model.confirmed_at.is_(None),
                    model.published_at.is_not(None),
                    model.published_at <= now - after,
                )
                .order_by(model.published_at)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            resent = 0
            for row in session.scalars(query).all():
                if row.published_at is None:  # the query excludes these; for the type checker
                    continue
                published = _aware(row.published_at)
                wait = min(max(after, published - _aware(row.created_at)), REDELIVER_WAIT_MAX)
                if now - published < wait:
                    continue
                try:
                    waiting = self.confirmations.unconfirmed(row.envelope)
                    if not waiting:
                        row.confirmed_at = now
                        self.confirmations.forget_confirmations(row.envelope)
                        continue
                    self.confirmations.publish(row.envelope, only=waiting)
                except Exception as exc:  # broker down: the next sweep tries again
                    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    log.warning("outbox.redeliver_failed", service=self.service, event_id=row.id, error=row.last_error)
                    break
                row.published_at = now
                row.attempts += 1
                resent += 1
                metrics.EVENTS_REDELIVERED.labels(self.service, row.event_type).inc()
                log.warning("outbox.redelivered", service=self.service, event_id=row.id, to=waiting)
            session.commit()
            return resent

    def pending_stats(self) -> tuple[int, float]:
        """(rows waiting, age in seconds of the oldest): the outbox lag operators alert on."""
        model = self.outbox_model
        with self.session_factory() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(model.created_at)).where(model.published_at.is_(None))
            ).one()
        if not count or oldest is None:
            return 0, 0.0
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(count), max(0.0, (datetime.now(UTC) - oldest).total_seconds())

    def purge_published(self, older_than: timedelta = timedelta(days=7)) -> int:
        model = self.outbox_model
        cutoff = datetime.now(UTC) - older_than
        with self.session_factory() as session:
            # only what every subscriber confirmed: an unconfirmed event may still be needed
            result = session.execute(delete(model).where(model.confirmed_at < cutoff))
            session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
