"""Applying events exactly once: the event id is recorded in the same transaction as the change.

A redelivered event (acks_late after a crash, a sweep racing the relay) finds its id in the
inbox and changes nothing. The handler table is plain data: event type → function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog
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

log = structlog.get_logger(__name__)

Handler = Callable[[Session, EventEnvelope, Any], None]


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

    def consume(self, raw: Any) -> Outcome:
        """Raises MalformedEvent for messages that can never apply; other errors are retryable."""
        envelope, payload = decode_event(raw)
        handler = self.handlers.get(envelope.type)
        if handler is None:
            raise MalformedEvent(f"{self.service} does not subscribe to {envelope.type}")
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
        metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, outcome.value).inc()
        log.info(
            "event.consumed",
            service=self.service,
            event_type=envelope.type,
            event_id=str(envelope.id),
            outcome=outcome.value,
        )
        return outcome


__all__ = ["EventConsumer", "EventData", "Handler", "MalformedEvent", "Outcome"]
