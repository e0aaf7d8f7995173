"""Run a coroutine to its end from synchronous code, whatever the calling thread is doing.

asyncio.run cannot nest: a thread that already runs an event loop (an async route's inline
work, Playwright's sync API in a test process) gets the coroutine run on a thread of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_to_completion(make_coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """The coroutine's result; on this thread when it has no running loop, else on a new one."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="own-loop") as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()
