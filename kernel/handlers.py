"""The worker-facing side of a service: consume an event, sweep the outbox.

Each service exposes one `ServiceEventHandlers` in its public `handlers` module, made by
`service_event_handlers`; the Celery tasks in `workers/` call only that. The runtime is built on
first use in the worker process (after the fork), never at import.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import redis
import structlog
from redis.lock import Lock
from sqlalchemy.orm import Session

from kernel.consumer import BatchPreparer, EventConsumer, Handler, Outcome
from kernel.db import OutboxMixin, ProcessedEventMixin
from kernel.events import EventEnvelope, StreetChanged
from kernel.runtime import RuntimeSettings, ServiceRuntime, SettingsT
from kernel.street_copy import StreetCopyMixin, apply_street_changed

STREET_EVENTS = ("street.registered", "street.updated")
SWEEP_LOCK_S = 10.0
"""How long an outbox sweep's lock lives unless renewed. The sweep renews it while it runs, so a
long sweep keeps it, and a worker killed mid-sweep holds its service's next sweeps up no longer
than this (it was 120 s without renewal: after a crash, unpublished events waited two minutes)."""

log = structlog.get_logger(__name__)


@contextlib.contextmanager
def _renewed(lock: Lock | None, lifetime_s: float) -> Iterator[None]:
    """Keeps `lock` alive (back to its full lifetime, every third of it) until the block ends."""
    if lock is None:
        yield
        return
    done = threading.Event()

    def renew() -> None:
        while not done.wait(lifetime_s / 3):
            with contextlib.suppress(redis.RedisError):  # lost, or Redis gone: it expires by itself
                lock.reacquire()

    keeper = threading.Thread(target=renew, name="outbox-sweep-lock", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        done.set()
        keeper.join()


@dataclass
class ServiceEventHandlers:
    """A service's event consumer and outbox sweep. `runtime` is typed `ServiceRuntime[Any]`: the
    services' handlers modules read their own settings from it; `service_event_handlers` checks
    that the settings factory and the hooks agree on the settings class."""

    service: str
    settings_factory: Callable[[], RuntimeSettings]
    outbox_model: type[OutboxMixin]
    inbox_model: type[ProcessedEventMixin]
    handlers: Mapping[str, Handler]
    # more work for the periodic sweep, e.g. delivering due mail from the service's mail outbox
    also_sweep: Callable[[ServiceRuntime[Any]], object] | None = None
    # what the service does to the runtime when it starts, e.g. give its sessions more to know
    on_start: Callable[[ServiceRuntime[Any]], object] | None = None
    # what events applied together read, loaded at once (`EventConsumer.prepare_batch`)
    prepare_batch: BatchPreparer | None = None
    sweep_lock_s: float = SWEEP_LOCK_S
    _runtime: ServiceRuntime[Any] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def runtime(self) -> ServiceRuntime[Any]:
        with self._lock:
            if self._runtime is None:
                runtime = ServiceRuntime.start(self.service, self.settings_factory(), self.outbox_model)
                if self.on_start is not None:
                    self.on_start(runtime)
                self._runtime = runtime
            return self._runtime

    def consume(self, message: Any) -> Outcome:
        outcome = self._consumer().consume(message)
        self.confirm(message)
        return outcome

    def consume_many(self, messages: Sequence[Any]) -> list[Outcome | Exception]:
        """Messages that arrived together, applied together (`EventConsumer.consume_many`); those
        settled here (applied, or already) are confirmed in one round trip."""
        results = self._consumer().consume_many(messages)
        self.confirm_many([m for m, r in zip(messages, results, strict=True) if isinstance(r, Outcome)])
        return results

    def _consumer(self) -> EventConsumer:
        runtime = self.runtime
        return EventConsumer(
            self.service,
            runtime.session_factory,
            self.inbox_model,
            self.handlers,
            runtime.publish_committed,
            self.prepare_batch,
        )

    def confirm(self, message: Any) -> None:
        """Tell the sending service's outbox this event is settled here (applied, already applied,
        or dead-lettered as unusable), so it stops offering it. Only after the commit: a
        confirmation that is lost makes a harmless duplicate, one made too early a lost event."""
        self.confirm_many([message])

    def confirm_many(self, messages: Sequence[Any]) -> None:
        """`confirm` for several messages at once, in one round trip."""
        event_ids = [event_id for event_id in map(_event_id, messages) if event_id is not None]
        if not event_ids:
            return
        try:
            self.runtime.bus.confirm_many(self.service, event_ids)
        except Exception as exc:  # the outbox sends them again later; the inbox makes that a no-op
            log.warning("event.confirm_failed", service=self.service, event_ids=event_ids, error=str(exc))

    def sweep_outbox(self, older_than_seconds: float = 5.0) -> int:
        """Send what was never published, and again what no subscriber confirmed.

        One sweep of a service at a time: two that overlap (a slow one outlasting beat's period)
        read the same rows, and on SQLite, which has no row locks to skip, both send them. The
        lock expires by itself, so a worker killed mid-sweep holds it up no longer than that.
        When Redis cannot be asked, the sweep runs anyway: it sends through Redis, and reports
        for itself what it could not send."""
        runtime = self.runtime
        # not thread-local: the thread that renews it must know its token
        lock = runtime.redis.lock(
            f"streetcare:outbox-sweep:{self.service}", timeout=self.sweep_lock_s, thread_local=False
        )
        try:
            held = lock.acquire(blocking=False)
        except redis.RedisError:
            held = None
        if held is False:
            log.info("outbox.sweep_skipped", service=self.service, reason="another sweep of this service is running")
            return 0
        try:
            with _renewed(lock if held else None, self.sweep_lock_s):
                sent = runtime.relay.sweep(timedelta(seconds=older_than_seconds))
                sent += runtime.relay.redeliver_unconfirmed(
                    timedelta(seconds=runtime.settings.outbox_redeliver_after_s)
                )
                if self.also_sweep is not None:
                    self.also_sweep(self.runtime)
            return sent
        finally:
            if held:
                with contextlib.suppress(redis.RedisError):  # expired meanwhile, or Redis gone: it expires
                    lock.release()

    def purge_outbox(self, older_than: timedelta) -> int:
        return self.runtime.relay.purge_published(older_than)

    def outbox_stats(self) -> tuple[int, float]:
        return self.runtime.relay.pending_stats()

    def close(self) -> None:
        with self._lock:
            if self._runtime is not None:
                self._runtime.close()
                self._runtime = None


def _event_id(message: Any) -> str | None:
    event_id = message.get("id") if isinstance(message, dict) else None
    return event_id if isinstance(event_id, str) and len(event_id) <= 64 else None


def service_event_handlers(
    service: str,
    settings_factory: Callable[[], SettingsT],
    outbox_model: type[OutboxMixin],
    inbox_model: type[ProcessedEventMixin],
    handlers: Mapping[str, Handler],
    *,
    street_copy: type[StreetCopyMixin] | None = None,
    also_sweep: Callable[[ServiceRuntime[SettingsT]], object] | None = None,
    on_start: Callable[[ServiceRuntime[SettingsT]], object] | None = None,
    prepare_batch: BatchPreparer | None = None,
) -> ServiceEventHandlers:
    """A service's consumer of its events; a service that keeps a read copy of the street registry
    names its model, and `street.registered` / `street.updated` keep that copy."""
    every = dict(handlers)
    if street_copy is not None:
        model = street_copy

        def street_changed(session: Session, _envelope: EventEnvelope, data: StreetChanged) -> None:
            apply_street_changed(session, model, data)

        every.update(dict.fromkeys(STREET_EVENTS, street_changed))
    return ServiceEventHandlers(
        service=service,
        settings_factory=settings_factory,
        outbox_model=outbox_model,
        inbox_model=inbox_model,
        handlers=every,
        also_sweep=also_sweep,
        on_start=on_start,
        prepare_batch=prepare_batch,
    )
