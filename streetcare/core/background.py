"""Work a request hands off after its commit and does not wait for: relaying outbox events, sending
mail. One daemon thread per kind of work and process takes what callers submit and runs it in
batches: a burst of N requests costs one call with N ids (one SELECT and one COMMIT for the lot)
instead of N calls on N request threads.

Nothing depends on the thread for safety: what it has not done when the process dies is still in
the database (unpublished outbox rows, unsent mail) and the periodic sweep does it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

import structlog

log = structlog.get_logger(__name__)

ItemT = TypeVar("ItemT")
_STOP = object()


class BatchedBackground(Generic[ItemT]):
    """``submit`` returns at once; one thread calls ``work`` with up to ``max_batch`` items at a time."""

    def __init__(self, name: str, work: Callable[[list[ItemT]], object], *, max_batch: int = 500) -> None:
        self.name = name
        self._work = work
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, items: Sequence[ItemT]) -> None:
        if not items:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        self._queue.put(list(items))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted before this call has been worked on (tests, shutdown)."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Finish what was submitted, then stop the thread (a later submit starts a new one)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch: list[ItemT] = []
            waiting: list[threading.Event] = []
            stop = False
            entry = self._queue.get()
            while True:
                if entry is _STOP:
                    stop = True
                elif isinstance(entry, threading.Event):
                    waiting.append(entry)
                else:
                    batch.extend(cast(list[ItemT], entry))
                if stop or len(batch) >= self._max_batch:
                    break
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
            for start in range(0, len(batch), self._max_batch):
                self._run_quietly(batch[start : start + self._max_batch])
            for event in waiting:
                event.set()
            if stop:
                return

    def _run_quietly(self, batch: list[ItemT]) -> None:
        try:
            self._work(batch)
        except Exception as exc:  # the sweep does it later; background work never takes the process down
            log.warning("background.work_failed", worker=self.name, items=len(batch), error=repr(exc))
