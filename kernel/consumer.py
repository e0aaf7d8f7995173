"""Applying events exactly once: the event id is recorded in the same transaction as the change.

A redelivered event (acks_late after a crash, a sweep racing the relay) finds its id in the
inbox and changes nothing. The handler table is plain data: event type → function.

Events that arrive together are applied together (`consume_many`): one transaction, one inbox
query and one commit for the lot, where each event alone paid its own (a burst of reports
otherwise queues faster than it is applied). Should any of them fail, the lot is rolled back
and each is applied alone, so one bad event costs the others nothing but the second try.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kernel import metrics
from kernel.db import OutboxEntry, ProcessedEventMixin, unit_of_work
from kernel.events import (
    EventData,
    EventEnvelope,
    MalformedEvent,
    decode_event,
)
from kernel.logs import bind_correlation_id, current_correlation_id

log = structlog.get_logger(__name__)

Handler = Callable[[Session, EventEnvelope, Any], None]
# Given the payloads of events about to be applied together, loads what their handlers will read
# (e.g. their streets) in one query each, instead of one query per event. What it returns is held
# while the batch applies: a session's identity map holds its objects weakly, so objects loaded
# and dropped would be gone again before the handlers ask for them.
BatchPreparer = Callable[[Session, Sequence[EventData]], object]


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass
class EventConsumer:
    service: str
    session_factory: sessionmaker[Session]
    inbox_model: type[ProcessedEventMixin]
    handlers: Mapping[str, Handler]
    after_commit: Callable[[list[OutboxEntry]], None] | None = None
    prepare_batch: BatchPreparer | None = None

    def consume(self, raw: Any) -> Outcome:
        """Raises MalformedEvent for messages that can never apply; other errors are retryable."""
        return self._apply_alone(*self._decode(raw))

    def consume_many(self, raws: Sequence[Any]) -> list[Outcome | Exception]:
        """Each message's outcome, in order; an exception where it did not apply: MalformedEvent
        for one that never can, any other for one worth another try."""
        results: dict[int, Outcome | Exception] = {}
        decoded: list[tuple[int, EventEnvelope, Any, Handler]] = []
        for index, raw in enumerate(raws):
            try:
                envelope, payload, handler = self._decode(raw)
            except MalformedEvent as exc:
                results[index] = exc
            else:
                decoded.append((index, envelope, payload, handler))
        together: list[Outcome] | None = None
        if len(decoded) > 1:
            try:
                together = self._apply_together(decoded)
            except Exception as exc:
                log.warning("event.batch_failed", service=self.service, events=len(decoded), error=repr(exc))
        for position, (index, envelope, payload, handler) in enumerate(decoded):
            if together is not None:
                results[index] = together[position]
                continue
            try:
                results[index] = self._apply_alone(envelope, payload, handler)
            except Exception as exc:
                results[index] = exc
        return [results[index] for index in range(len(raws))]

    def _decode(self, raw: Any) -> tuple[EventEnvelope, Any, Handler]:
        envelope, payload = decode_event(raw)
        handler = self.handlers.get(envelope.type)
        if handler is None:
            raise MalformedEvent(f"{self.service} does not subscribe to {envelope.type}")
        return envelope, payload, handler

    def _apply_together(self, decoded: Sequence[tuple[int, EventEnvelope, Any, Handler]]) -> list[Outcome]:
        """All in one transaction: an event already in the inbox, or twice in the lot, is a
        duplicate. Each event's handler runs, and its lines are logged, under its own correlation id."""
        outcomes: list[Outcome] = []
        calling = current_correlation_id()
        try:
            with unit_of_work(self.session_factory, self.after_commit) as session:
                inbox = self.inbox_model
                ids = [str(envelope.id) for _, envelope, _, _ in decoded]
                seen = set(session.scalars(select(inbox.event_id).where(inbox.event_id.in_(ids))))
                held = None
                if self.prepare_batch is not None:
                    held = self.prepare_batch(session, [p for _, e, p, _ in decoded if str(e.id) not in seen])
                for _, envelope, payload, handler in decoded:
                    event_id = str(envelope.id)
                    if event_id in seen:
                        outcomes.append(Outcome.DUPLICATE)
                        continue
                    seen.add(event_id)
                    bind_correlation_id(envelope.correlation_id or calling)
                    session.add(inbox(event_id=event_id, event_type=envelope.type))
                    handler(session, envelope, payload)
                    outcomes.append(Outcome.APPLIED)
                del held  # held until every handler ran (see BatchPreparer)
            for (_, envelope, _, _), outcome in zip(decoded, outcomes, strict=True):
                bind_correlation_id(envelope.correlation_id or calling)
                self._count(envelope, outcome)
        finally:
            bind_correlation_id(calling)
        return outcomes

    def _apply_alone(self, envelope: EventEnvelope, payload: Any, handler: Handler) -> Outcome:
        """In a transaction of its own, its lines logged under its own correlation id."""
        calling = current_correlation_id()
        bind_correlation_id(envelope.correlation_id or calling)
        try:
            return self._apply_in_own_transaction(envelope, payload, handler)
        finally:
            bind_correlation_id(calling)

    def _apply_in_own_transaction(self, envelope: EventEnvelope, payload: Any, handler: Handler) -> Outcome:
        try:
            with unit_of_work(self.session_factory, self.after_commit) as session:
                if session.get(self.inbox_model, str(envelope.id)) is not None:
                    outcome = Outcome.DUPLICATE
                else:
                    session.add(self.inbox_model(event_id=str(envelope.id), event_type=envelope.type))
                    session.flush()  # claim the id before the change: a racing twin fails here
                    handler(session, envelope, payload)
                    outcome = Outcome.APPLIED
        except IntegrityError:
            with self.session_factory() as session:
                if session.get(self.inbox_model, str(envelope.id)) is None:
                    raise
            outcome = Outcome.DUPLICATE
        self._count(envelope, outcome)
        return outcome

    def _count(self, envelope: EventEnvelope, outcome: Outcome) -> None:
        metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, outcome.value).inc()
        log.info(
            "event.consumed",
            service=self.service,
            event_type=envelope.type,
            event_id=str(envelope.id),
            outcome=outcome.value,
        )


__all__ = ["BatchPreparer", "EventConsumer", "EventData", "Handler", "MalformedEvent", "Outcome"]
