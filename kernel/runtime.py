"""What a service process holds for its lifetime: engine, sessions, Redis, the event bus, relay.

Built in the FastAPI lifespan (and at Celery worker-process start), never at import, so a
module can be imported by tests, tools and linters without touching a database or a broker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, overload

import redis
import structlog
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kernel.bus import EventBus, make_bus
from kernel.db import (
    OutboxEntry,
    OutboxMixin,
    commit_or_refuse,
    make_engine,
    make_session_factory,
)
from kernel.outbox import BackgroundPublisher, OutboxRelay

log = structlog.get_logger(__name__)
RUNTIME_INFO_KEY = "streetcare.runtime"


class RuntimeSettings(Protocol):
    """What the kernel reads from a service's settings class (each service's own, fully typed):
    the runtime, and the event handlers' outbox sweep."""

    @property
    def database_url(self) -> str: ...
    @property
    def redis_url(self) -> str: ...
    @property
    def broker_visibility_timeout_s(self) -> int: ...
    @property
    def outbox_redeliver_after_s(self) -> float: ...
    @property
    def web_threads(self) -> int: ...
    @property
    def outbox_publish_linger_ms(self) -> float: ...


SettingsT = TypeVar("SettingsT", bound=RuntimeSettings)
T = TypeVar("T")


@dataclass
class ServiceRuntime(Generic[SettingsT]):
    """`ServiceRuntime[SchedulingSettings]`: the settings keep their type wherever the runtime goes."""

    service: str
    settings: SettingsT
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: EventBus
    relay: OutboxRelay

    publisher: BackgroundPublisher | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        service: str,
        settings: SettingsT,
        outbox_model: type[OutboxMixin],
        *,
        publish_in_background: bool = False,
    ) -> ServiceRuntime[SettingsT]:
        """`publish_in_background`: committed events go out from a publisher thread (an API
        process, see `BackgroundPublisher`) instead of on the committing thread before it goes on
        (a worker task, an operator command, a test on one shared connection)."""
        engine = make_engine(settings.database_url, pool_size=settings.web_threads)
        factory = make_session_factory(engine)
        bus = make_bus(settings.redis_url, settings.broker_visibility_timeout_s)
        relay = OutboxRelay(service, factory, outbox_model, bus.publish_many, confirmations=bus)
        publisher = (
            BackgroundPublisher(relay, linger_s=settings.outbox_publish_linger_ms / 1000)
            if publish_in_background
            else None
        )
        runtime = cls(service, settings, engine, factory, bus, relay, publisher)
        factory.configure(info={RUNTIME_INFO_KEY: runtime})  # code holding only a session finds its process
        return runtime

    def kept(self, key: str, make: Callable[[], T]) -> T:
        """The process's one `key` (a mail outbox, a street index), made by `make` when first asked."""
        found: T | None = self.extras.get(key)
        if found is None:
            found = self.extras[key] = make()
        return found

    @property
    def redis(self) -> redis.Redis:
        return self.bus.redis

    def publish_committed(self, entries: list[OutboxEntry]) -> None:
        if self.publisher is not None:
            self.publisher.submit(entries)
            return
        try:
            self.relay.publish(entries)
        except Exception as exc:  # the sweep will pick it up; never fail a committed request
            log.warning("outbox.relay_failed", service=self.service, error=str(exc))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success (a refusal at COMMIT raises `CommitFailed`), then relay the events."""
        committed: list[OutboxEntry] = []
        with commit_or_refuse(self.session_factory, committed) as session:
            yield session
        if committed:
            self.publish_committed(committed)

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
        if self.publisher is not None:
            self.publisher.close()
        self.bus.close()
        self.engine.dispose()


@contextmanager
def command_transaction(
    service: str,
    settings: SettingsT,
    outbox_model: type[OutboxMixin],
    prepare: Callable[[ServiceRuntime[SettingsT]], None] | None = None,
) -> Iterator[Session]:
    """One transaction of an operator command (the CLI's admin calls): a runtime started for it,
    `prepare`d (e.g. session hooks), the transaction committed and its events relayed, the runtime closed."""
    runtime = ServiceRuntime.start(service, settings, outbox_model)
    try:
        if prepare is not None:
            prepare(runtime)
        with runtime.transaction() as session:
            yield session
    finally:
        runtime.close()


# How long a process uses what it read of data that rarely changes (categories) before reading
# it again: other replicas see a change within this long; this process sees its own at once.
KEPT_BRIEFLY_S = 1.0


def kept_briefly(session: Session, key: str, load: Callable[[], T], seconds: float = KEPT_BRIEFLY_S) -> T:
    """What `load` read through `session`, kept by the session's process for up to `seconds`,
    so a request does not read (and build) the same rows each time. A session no runtime made
    (no process to keep it in) reads every time. `forget_kept` drops it after a change."""
    runtime = session.info.get(RUNTIME_INFO_KEY)
    if not isinstance(runtime, ServiceRuntime):
        return load()
    now = time.monotonic()
    found = runtime.extras.get(key)
    if isinstance(found, _Kept) and now - found.read_at < seconds:
        return found.value  # type: ignore[no-any-return]
    value = load()
    runtime.extras[key] = _Kept(now, value)
    return value


def forget_kept(session: Session, key: str) -> None:
    """This session changes what `key` holds: read it again now, and again once the change commits."""
    runtime = session.info.get(RUNTIME_INFO_KEY)
    if not isinstance(runtime, ServiceRuntime):
        return
    runtime.extras.pop(key, None)
    event.listen(session, "after_commit", lambda _: runtime.extras.pop(key, None), once=True)


@dataclass(frozen=True)
class _Kept:
    read_at: float
    value: Any


@overload
def runtime_of(session: Session, settings_type: type[SettingsT]) -> ServiceRuntime[SettingsT]: ...
@overload
def runtime_of(session: Session) -> ServiceRuntime[Any]: ...
def runtime_of(session: Session, settings_type: type[RuntimeSettings] | None = None) -> ServiceRuntime[Any]:
    """The runtime whose session factory made `session` (e.g. in an event handler), its settings
    typed: `runtime_of(session, VolunteersSettings).settings` is a `VolunteersSettings` (checked).
    Without the settings class the settings are untyped; name it."""
    found = session.info.get(RUNTIME_INFO_KEY)
    if not isinstance(found, ServiceRuntime):
        raise RuntimeError("this session was not made by a ServiceRuntime")
    return checked_settings(found, settings_type)


def checked_settings(runtime: ServiceRuntime[Any], settings_type: type[RuntimeSettings] | None) -> ServiceRuntime[Any]:
    """`runtime`, refused when its settings are not of `settings_type` (a runtime of another service)."""
    if settings_type is not None and not isinstance(runtime.settings, settings_type):
        raise RuntimeError(f"this runtime has {type(runtime.settings).__name__}, not {settings_type.__name__}")
    return runtime
