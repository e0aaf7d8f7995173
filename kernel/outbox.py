"""The transactional outbox: record an event with the change, publish it after commit.

`record_event` only adds a row to the caller's session; nothing leaves the process until the
unit of work commits. `OutboxRelay.publish` then sends exactly those rows, from memory, and marks
them published in one statement; a service's API process does that on a thread of its own
(`BackgroundPublisher`), so a request neither waits for the broker nor pays a second transaction,
and what arrives while a batch is out goes in the next one. `sweep` (run by beat) sends whatever is
still unpublished a few seconds later — after a crash, while Redis was down, or when the process
ended with events still queued in memory.

Published is not applied: with the Redis transport a message leaves the queue at the worker's
BRPOP, before the worker records it as unacknowledged, so a worker killed in between loses it
(celery/celery#4354). `redeliver_unconfirmed` therefore sends a published event again to each
subscriber that has not confirmed it (consumers confirm after their commit), with a wait that
grows with the event's age; idempotent consumers make the extra copies harmless.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from typing import Any, Protocol

import structlog
from sqlalchemy import Insert, Table, Update, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from kernel import metrics
from kernel.db import PENDING_OUTBOX_KEY, OutboxEntry, OutboxMixin, table_of
from kernel.events import EventData, durable_subscribers, new_event
from kernel.logs import current_correlation_id

log = structlog.get_logger(__name__)


def record_event(
    session: Session, outbox_model: type[OutboxMixin], source: str, event_type: str, data: EventData
) -> str:
    envelope = new_event(event_type, source, data, correlation_id=current_correlation_id())
    entry = OutboxEntry(str(envelope.id), event_type, envelope.model_dump(mode="json"))
    # a Core INSERT in the caller's transaction, now: the row needs none of the ORM's bookkeeping
    session.execute(
        _insert_into(table_of(outbox_model)),
        {"id": entry.id, "event_type": event_type, "envelope": entry.envelope, "attempts": 0},
    )
    session.info.setdefault(PENDING_OUTBOX_KEY, []).append(entry)
    return entry.id


@cache
def _insert_into(outbox: Table) -> Insert:
    """A service's outbox INSERT, built once (every event recorded runs it)."""
    return insert(outbox)


REDELIVER_WAIT_MAX = timedelta(hours=1)


class Confirmations(Protocol):
    """What the relay asks the bus to find and re-send events no subscriber confirmed."""

    def unconfirmed_many(self, envelopes: Sequence[dict[str, Any]]) -> list[list[str]]: ...

    def resend(self, waiting: Sequence[tuple[dict[str, Any], list[str]]]) -> None: ...


@dataclass
class OutboxRelay:
    service: str
    session_factory: sessionmaker[Session]
    outbox_model: type[OutboxMixin]
    # sends envelopes to the broker in one round trip; raises when it could not (then any of them
    # may or may not have gone out: they are sent again, and consumers are idempotent)
    send: Callable[[Sequence[dict[str, Any]]], None]
    confirmations: Confirmations | None = None

    def publish(self, entries: Sequence[OutboxEntry]) -> int:
        """Publish rows a transaction just committed, from memory, and mark them published in one
        statement; when the broker fails they stay unpublished for the sweep. A row the sweep sent
        meanwhile may go out twice: consumers are idempotent."""
        if not self.send_entries(entries):
            return 0
        self.mark_published(entries)
        return len(entries)

    def send_entries(self, entries: Sequence[OutboxEntry]) -> bool:
        """Send committed rows to the broker in one round trip; False (and logged) when it failed."""
        if not entries:
            return False
        try:
            self.send([entry.envelope for entry in entries])
        except Exception as exc:  # broker down: the sweep sends them once it is back
            log.warning("outbox.publish_failed", service=self.service, events=len(entries), error=str(exc)[:500])
            return False
        for entry in entries:
            metrics.EVENTS_PUBLISHED.labels(self.service, entry.event_type).inc()
        return True

    def mark_published(self, entries: Sequence[OutboxEntry]) -> None:
        """Rows the broker took: published now, in one UPDATE (two when some need no confirmation)."""
        now = datetime.now(UTC)
        # an event nobody has to confirm (the live page only) is settled once sent
        settled = [entry.id for entry in entries if not durable_subscribers(entry.event_type)]
        awaiting = [entry.id for entry in entries if durable_subscribers(entry.event_type)]
        with self.session_factory() as session:
            for ids, confirmed in ((awaiting, None), (settled, now)):
                if ids:
                    session.execute(self._mark_statement, {"ids": ids, "now": now, "confirmed": confirmed})
            session.commit()

    @cached_property
    def _mark_statement(self) -> Update:
        """Built once per relay: the publisher marks a batch every few milliseconds under load."""
        table = table_of(self.outbox_model)
        return (
            update(table)
            .where(table.c.id.in_(bindparam("ids", expanding=True)), table.c.published_at.is_(None))
            .values(published_at=bindparam("now"), confirmed_at=bindparam("confirmed"), attempts=table.c.attempts + 1)
        )

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
        if not rows:
            return 0
        try:
            self.send([row.envelope for row in rows])
        except Exception as exc:  # broker down: the rows wait for the next sweep
            error = f"{type(exc).__name__}: {exc}"[:500]
            for row in rows:
                row.attempts += 1
                row.last_error = error
            log.warning("outbox.publish_failed", service=self.service, events=len(rows), error=error)
            session.commit()
            return 0
        now = datetime.now(UTC)
        for row in rows:
            row.published_at = now
            row.attempts += 1
            if not durable_subscribers(row.event_type):
                row.confirmed_at = now  # nobody to confirm it: nothing to redeliver
            metrics.EVENTS_PUBLISHED.labels(self.service, row.event_type).inc()
        session.commit()
        return len(rows)

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
            due = [row for row in session.scalars(query).all() if _due(row, now, after)]
            if not due:
                return 0
            try:
                # one round trip to learn who confirmed what, one to send the rest again. A
                # confirmation stays readable until it expires (kernel.bus.APPLIED_TTL_S): a second
                # sweep that read these rows before this one settled them must find it too, or it
                # would send again what this one just found confirmed.
                waiting = self.confirmations.unconfirmed_many([row.envelope for row in due])
                again = [(row, subscribers) for row, subscribers in zip(due, waiting, strict=True) if subscribers]
                if again:
                    self.confirmations.resend([(row.envelope, subscribers) for row, subscribers in again])
            except Exception as exc:  # broker down: the next sweep tries again
                error = f"{type(exc).__name__}: {exc}"[:500]
                for row in due:
                    row.last_error = error
                log.warning("outbox.redeliver_failed", service=self.service, events=len(due), error=error)
                session.commit()
                return 0
            for row, subscribers in zip(due, waiting, strict=True):
                if not subscribers:
                    row.confirmed_at = now
                    continue
                row.published_at = now
                row.attempts += 1
                metrics.EVENTS_REDELIVERED.labels(self.service, row.event_type).inc()
            session.commit()
            if again:
                log.warning(
                    "outbox.redelivered",
                    service=self.service,
                    events=len(again),
                    to=sorted({name for _, subscribers in again for name in subscribers}),
                    event_ids=[row.id for row, _ in again[:20]],
                )
            return len(again)

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


class BackgroundPublisher:
    """Publishes committed outbox rows from threads of its own, in batches.

    `submit` only queues the entries: the request that committed them is answered without waiting
    for the broker, and its thread is free for the next request. The sending thread takes
    everything queued so far as one batch (one pipeline to the broker), after letting events
    gather for `linger_s` behind the first (Kafka's linger.ms: bigger batches, fewer messages for
    sender and consumer, for a few milliseconds more per event); a second thread marks
    what was sent as published (one UPDATE for all it finds waiting), so a database slow to give
    its write lock (SQLite under many writers) never holds back the next batch's sending. The
    busier the service, the cheaper each event. Events still queued when the process dies are
    not lost: their rows are in the database, unpublished, and the sweep sends them."""

    def __init__(self, relay: OutboxRelay, max_batch: int = 500, linger_s: float = 0.0) -> None:
        self.relay = relay
        self.max_batch = max_batch
        self.linger_s = linger_s
        self._to_send: queue.SimpleQueue[OutboxEntry | None] = queue.SimpleQueue()
        self._to_mark: queue.SimpleQueue[OutboxEntry | None] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._unfinished = 0
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    def submit(self, entries: Sequence[OutboxEntry]) -> None:
        if not entries:
            return
        self._ensure_started()
        with self._idle:
            self._unfinished += len(entries)
        for entry in entries:
            self._to_send.put(entry)

    def wait_idle(self, timeout: float) -> bool:
        """Until everything submitted was sent and marked (or left for the sweep); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Send and mark what is queued (within `timeout`), then stop the threads."""
        if not self._threads:
            return
        self._to_send.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    def _ensure_started(self) -> None:
        with self._start_lock:
            if not self._threads or not all(thread.is_alive() for thread in self._threads):
                service = self.relay.service
                self._threads = [
                    threading.Thread(target=self._send_loop, name=f"outbox-sender-{service}", daemon=True),
                    threading.Thread(target=self._mark_loop, name=f"outbox-marker-{service}", daemon=True),
                ]
                for thread in self._threads:
                    thread.start()

    def _batch(
        self, source: queue.SimpleQueue[OutboxEntry | None], linger_s: float = 0.0
    ) -> tuple[list[OutboxEntry], bool]:
        """What is waiting in `source` (at least one, up to max_batch, `linger_s` after the first),
        and whether it says stop."""
        first = source.get()
        if first is None:
            return [], True
        if linger_s > 0:
            time.sleep(linger_s)
        batch, stopping = [first], False
        while len(batch) < self.max_batch:
            try:
                more = source.get_nowait()
            except queue.Empty:
                break
            if more is None:
                stopping = True
                break
            batch.append(more)
        return batch, stopping

    def _send_loop(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._batch(self._to_send, self.linger_s)
            if batch and self.relay.send_entries(batch):
                for entry in batch:
                    self._to_mark.put(entry)
            else:
                self._finished(len(batch))
        self._to_mark.put(None)

    def _mark_loop(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._batch(self._to_mark)
            try:
                if batch:
                    self.relay.mark_published(batch)
            except Exception as exc:  # the database refused the UPDATE: the sweep sends them again
                log.warning("outbox.mark_failed", service=self.relay.service, events=len(batch), error=str(exc)[:500])
            finally:
                self._finished(len(batch))

    def _finished(self, count: int) -> None:
        with self._idle:
            self._unfinished -= count
            self._idle.notify_all()


def _due(row: Any, now: datetime, after: timedelta) -> bool:
    """Whether a published, unconfirmed row has waited long enough to be offered again."""
    if row.published_at is None:  # the query excludes these; for the type checker
        return False
    published = _aware(row.published_at)
    wait = min(max(after, published - _aware(row.created_at)), REDELIVER_WAIT_MAX)
    return now - published >= wait


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
