"""What a service process holds for its lifetime: engine, sessions, Redis, the event bus, relay.

Built in the FastAPI lifespan (and at Celery worker-process start), never at import, so a
module can be imported by tests, tools and linters without touching a database or a broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
import structlog
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from streetcare.core.auth import Principal, session_is_ended
from streetcare.core.bus import DeadLetterQueue, EventBus, make_bus
from streetcare.core.db import (
    OutboxMixin,
    make_engine,
    make_session_factory,
    unit_of_work,
)
from streetcare.core.outbox import OutboxRelay

log = structlog.get_logger(__name__)


@dataclass
class ServiceRuntime:
    service: str
    settings: Any
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: EventBus
    relay: OutboxRelay
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, service: str, settings: Any, outbox_model: type[OutboxMixin]) -> ServiceRuntime:
        engine = make_engine(settings.database_url)
        factory = make_session_factory(engine)
        bus = make_bus(settings.redis_url)
        relay = OutboxRelay(service, factory, outbox_model, bus.publish)
        return cls(service, settings, engine, factory, bus, relay)

    @property
    def redis(self) -> redis.Redis:
        return self.bus.redis

    @property
    def dead_letters(self) -> DeadLetterQueue:
        return DeadLetterQueue(self.bus.redis)

    def publish_committed(self, outbox_ids: list[str]) -> None:
        try:
            self.relay.publish(outbox_ids)
        except Exception as exc:  # the sweep will pick it up; never fail a committed request
            log.warning("outbox.relay_failed", service=self.service, error=str(exc))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with unit_of_work(self.session_factory, self.publish_committed) as session:
            yield session

    def token_revoked(self, principal: Principal) -> bool:
        """Logged out, or issued before its person's sessions ended; raises
        SessionStoreUnavailable when Redis cannot say (fail closed: the request gets 503)."""
        return session_is_ended(self.redis, principal)

    def check_ready(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            problems["database"] = type(exc).__name__
        try:
            self.redis.ping()
        except Exception as exc:
            problems["redis"] = type(exc).__name__
        return problems

    def close(self) -> None:
        self.bus.close()
        self.engine.dispose()
