"""The transactional outbox: record an event with the change, publish it after commit.

`record_event` only adds a row to the caller's session; nothing leaves the process until the
unit of work commits. `OutboxRelay.publish` then sends exactly those rows; `sweep` (run by beat)
sends whatever is still unpublished a few seconds later — after a crash or while Redis was down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from streetcare.core import metrics
from streetcare.core.db import PENDING_OUTBOX_KEY, OutboxMixin
from streetcare.core.events import EventData, new_event
from streetcare.core.logs import current_correlation_id

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


@dataclass
class OutboxRelay:
    service: str
    session_factory: sessionmaker[Session]
    outbox_model: type[OutboxMixin]
    send: Callable[[dict[str, Any]], None]

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
            sent += 1
            metrics.EVENTS_PUBLISHED.labels(self.service, row.event_type).inc()
        session.commit()
        return sent

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
            result = session.execute(delete(model).where(model.published_at < cutoff))
            session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
