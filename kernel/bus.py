"""Publishing events to Redis: Celery queues for subscribing services, pub/sub for live pages.

Services only *produce* here (by task name, so they never import the worker code); the Celery
app that consumes lives in `workers/`. JSON only, and short broker timeouts so a request never
hangs on a dead Redis: the outbox keeps what could not be sent and the sweep retries it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from celery import Celery
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from kernel.events import (
    LIVE_SUBSCRIBER,
    EventEnvelope,
    consumer_queue,
    consumer_task,
    durable_subscribers,
    subscribers_of,
)
from kernel.redis_target import RedisTarget

LIVE_CHANNEL = "streetcare:live"
DEAD_LETTER_KEY = "streetcare:dead-letters"
APPLIED_KEY = "streetcare:event-applied:"  # + subscriber + ":" + event id: the subscriber applied it
# How long a confirmation stays readable: the relay reads it when it sweeps (a minute after the
# event, or days later after an outage); it is not deleted once read, as a second sweep that read
# the same rows meanwhile must still find it (else it sends again what was applied).
APPLIED_TTL_S = 7 * 24 * 3600
BROKER_TIMEOUT_S = 2.0
# A blip (a connection a Redis restart closed, an answer late on a busy host) is tried again
# twice, 50–500 ms apart, before a request fails closed with 503.
REDIS_RETRIES = 2
# A publish batch's events for one subscriber go in messages of at most this many (a message of
# 100 envelopes is ~100 KB; the consumer applies them in transactions of its own size).
EVENTS_PER_MESSAGE = 100
REDIS_BACKOFF_BASE_S = 0.05
REDIS_BACKOFF_CAP_S = 0.5
# ProcessSettings.broker_visibility_timeout_s is where a process reads it (STREETCARE_BROKER_VISIBILITY_TIMEOUT).
DEFAULT_VISIBILITY_TIMEOUT_S = 300


def celery_config(redis_url: str, visibility_timeout_s: int = DEFAULT_VISIBILITY_TIMEOUT_S) -> dict[str, Any]:
    """Settings both the producers and the worker use, so they always agree on the wire format."""
    broker = RedisTarget.parse(redis_url).celery_broker()
    return {
        **broker,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": "maintenance",
        "broker_connection_timeout": BROKER_TIMEOUT_S,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            **broker["broker_transport_options"],
            "socket_timeout": BROKER_TIMEOUT_S,
            "socket_connect_timeout": BROKER_TIMEOUT_S,
            "visibility_timeout": visibility_timeout_s,
        },
        "task_publish_retry_policy": {
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "enable_utc": True,
    }


def make_producer(redis_url: str, visibility_timeout_s: int = DEFAULT_VISIBILITY_TIMEOUT_S) -> Celery:
    app = Celery("streetcare-producer", set_as_current=False)
    app.conf.update(celery_config(redis_url, visibility_timeout_s))
    return app


# an envelope as it is sent, and as it was read once to route it
_Event = tuple[dict[str, Any], EventEnvelope]


def _route(
    envelopes: Sequence[dict[str, Any]], only: Sequence[list[str] | None] | None = None
) -> tuple[dict[str, list[_Event]], list[dict[str, Any]]]:
    """Each envelope read once: the queue subscribers' events, each subscriber's in order, and the
    envelopes the live pages get; `only[i]` (a redelivery) keeps envelope i to those subscribers."""
    queued: dict[str, list[_Event]] = {}
    live: list[dict[str, Any]] = []
    for index, envelope in enumerate(envelopes):
        parsed = EventEnvelope.model_validate(envelope)
        wanted = only[index] if only is not None else None
        for subscriber in subscribers_of(parsed.type):
            if wanted is not None and subscriber not in wanted:
                continue
            if subscriber == LIVE_SUBSCRIBER:
                live.append(envelope)
            else:
                queued.setdefault(subscriber, []).append((envelope, parsed))
    return queued, live


@dataclass
class EventBus:
    """Sends an envelope to each subscriber's named queue (and to the live channel)."""

    producer: Celery
    redis: redis.Redis

    def publish_many(self, envelopes: Sequence[dict[str, Any]]) -> None:
        """Several events in one round trip: a subscriber's events ride together in one message
        (up to EVENTS_PER_MESSAGE, in order), all of them in one kombu publish batch (a Redis
        pipeline), the live ones in another. A message costs its sender and its consumer far more
        than an event in it (the consumer takes one message a fetch, two Redis round trips each).
        Raises when the broker fails; then any of them may or may not have gone out, and the outbox
        sends them again."""
        queued, live = _route(envelopes)
        with self.producer.producer_or_acquire() as producer, producer.batch():
            self._send_all(producer, queued)
        if live:
            with self.redis.pipeline(transaction=False) as pipeline:
                for envelope in live:
                    pipeline.publish(LIVE_CHANNEL, json.dumps(envelope))
                pipeline.execute()

    def resend(self, waiting: Sequence[tuple[dict[str, Any], list[str]]]) -> None:
        """A redelivery: each envelope again to the queue subscribers named beside it, as
        `publish_many` sends (a subscriber's events together, in order, in one round trip)."""
        queued, _ = _route([envelope for envelope, _ in waiting], [subscribers for _, subscribers in waiting])
        with self.producer.producer_or_acquire() as producer, producer.batch():
            self._send_all(producer, queued)

    def _send_all(self, producer: Any, queued: dict[str, list[_Event]]) -> None:
        for subscriber, theirs in queued.items():
            for start in range(0, len(theirs), EVENTS_PER_MESSAGE):
                self._send(producer, subscriber, theirs[start : start + EVENTS_PER_MESSAGE])

    def _send(self, producer: Any, subscriber: str, events: list[_Event]) -> None:
        """One message to the subscriber's queue: its task's one argument is the list of envelopes."""
        correlation_ids = {parsed.correlation_id for _, parsed in events}
        # one request's events carry its correlation id in the message too (each envelope has its own)
        correlation_id = correlation_ids.pop() if len(correlation_ids) == 1 else None
        # what Flower and the worker's log show for the task, instead of Celery's repr of the whole
        # list (which it would otherwise compute for every message it sends)
        first = events[0][1]
        shown = f"[{first.type} {first.id}]" if len(events) == 1 else f"[{len(events)} events]"
        self.producer.send_task(
            consumer_task(subscriber),
            args=[[envelope for envelope, _ in events]],
            queue=consumer_queue(subscriber),
            headers={"correlation_id": correlation_id} if correlation_id else {},
            producer=producer,
            retry=True,
            # no declaring per message: Celery sends to a direct queue by the anonymous exchange
            # (Redis: an LPUSH to the queue's list), and the consuming worker declares its queues
            declare=[],
            argsrepr=shown,
            kwargsrepr="{}",
        )

    def confirm_many(self, subscriber: str, event_ids: Sequence[str]) -> None:
        """The subscriber applied these events (or had already): their outboxes may stop offering
        them. One round trip for them all."""
        with self.redis.pipeline(transaction=False) as pipeline:
            for event_id in event_ids:
                pipeline.set(f"{APPLIED_KEY}{subscriber}:{event_id}", "1", ex=APPLIED_TTL_S)
            pipeline.execute()

    def unconfirmed(self, envelope: dict[str, Any]) -> list[str]:
        """The queue subscribers that have not confirmed this event yet (the live page needs none)."""
        return self.unconfirmed_many([envelope])[0]

    def unconfirmed_many(self, envelopes: Sequence[dict[str, Any]]) -> list[list[str]]:
        """`unconfirmed` of each envelope, in one round trip."""
        asked = [(envelope, durable_subscribers(str(envelope.get("type")))) for envelope in envelopes]
        keys = [f"{APPLIED_KEY}{name}:{envelope.get('id')}" for envelope, waiting in asked for name in waiting]
        found = iter(self.redis.mget(keys) if keys else [])
        return [[subscriber for subscriber in waiting if next(found) is None] for _, waiting in asked]

    def close(self) -> None:
        self.producer.close()
        self.redis.close()


def redis_retry() -> Retry:
    """The retry every synchronous Redis client of the project uses for idempotent commands."""
    return Retry(ExponentialWithJitterBackoff(base=REDIS_BACKOFF_BASE_S, cap=REDIS_BACKOFF_CAP_S), REDIS_RETRIES)


def async_redis_retry() -> AsyncRetry:
    """The same retry for the gateway's asyncio clients."""
    return AsyncRetry(ExponentialWithJitterBackoff(base=REDIS_BACKOFF_BASE_S, cap=REDIS_BACKOFF_CAP_S), REDIS_RETRIES)


def make_redis(redis_url: str) -> redis.Redis:
    """The synchronous client every service, worker and tool uses (plain, TLS or Sentinel alike)."""
    return RedisTarget.parse(redis_url).client(
        socket_timeout=BROKER_TIMEOUT_S,
        socket_connect_timeout=BROKER_TIMEOUT_S,
        health_check_interval=30,
        retry=redis_retry(),
    )


def make_bus(redis_url: str, visibility_timeout_s: int = DEFAULT_VISIBILITY_TIMEOUT_S) -> EventBus:
    return EventBus(producer=make_producer(redis_url, visibility_timeout_s), redis=make_redis(redis_url))


@dataclass
class DeadLetterQueue:
    """Messages a consumer gave up on, kept with the reason so an operator can inspect and replay."""

    redis: redis.Redis

    def push(self, consumer: str, message: Any, reason: str) -> None:
        entry = {
            "consumer": consumer,
            "reason": reason[:2000],
            "failed_at": datetime.now(UTC).isoformat(),
            "message": message,
        }
        self.redis.rpush(DEAD_LETTER_KEY, json.dumps(entry, default=str))

    def entries(self, limit: int = 100) -> list[dict[str, Any]]:
        raw: list[bytes] = self.redis.lrange(DEAD_LETTER_KEY, 0, limit - 1)  # type: ignore[assignment]
        return [json.loads(item) for item in raw]

    def count(self) -> int:
        return int(self.redis.llen(DEAD_LETTER_KEY))
