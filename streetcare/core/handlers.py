"""The worker-facing side of a service: consume an event, sweep the outbox.

Each service exposes one `ServiceEventHandlers` in its public `handlers` module; the Celery
tasks in `workers/` call only that. The runtime is built on first use in the worker process
(after the fork), never at import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from streetcare.core.consumer import EventConsumer, Handler, Outcome
from streetcare.core.db import OutboxMixin, ProcessedEventMixin
from streetcare.core.runtime import ServiceRuntime


@dataclass
class ServiceEventHandlers:
    service: str
    settings_factory: Callable[[], Any]
    outbox_model: type[OutboxMixin]
    inbox_model: type[ProcessedEventMixin]
    handlers: Mapping[str, Handler]
    # more work for the periodic sweep, e.g. delivering due mail from the service's mail outbox
    also_sweep: Callable[[ServiceRuntime], object] | None = None
    _runtime: ServiceRuntime | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def runtime(self) -> ServiceRuntime:
        with self._lock:
            if self._runtime is None:
                self._runtime = ServiceRuntime.start(self.service, self.settings_factory(), self.outbox_model)
            return self._runtime

    def consume(self, message: Any) -> Outcome:
        runtime = self.runtime
        consumer = EventConsumer(
            self.service, runtime.session_factory, self.inbox_model, self.handlers, runtime.publish_committed
        )
        return consumer.consume(message)

    def sweep_outbox(self, older_than_seconds: float = 5.0) -> int:
        sent = self.runtime.relay.sweep(timedelta(seconds=older_than_seconds))
        if self.also_sweep is not None:
            self.also_sweep(self.runtime)
        return sent

    def purge_outbox(self, older_than: timedelta) -> int:
        return self.runtime.relay.purge_published(older_than)

    def outbox_stats(self) -> tuple[int, float]:
        return self.runtime.relay.pending_stats()

    def close(self) -> None:
        with self._lock:
            if self._runtime is not None:
                self._runtime.close()
                self._runtime = None
