"""A bounded HTTP load generator (asyncio + aiohttp): N clients for T seconds, loopback only."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import aiohttp

from kernel.blocking import run_to_completion

MAX_REFUSALS_KEPT = 5
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class LoadResult:
    target: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refusals: set[str] = field(default_factory=set)  # a few distinct "status: answer" of what failed

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def requests_per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "requests_per_s": round(self.requests_per_second, 1),
            "ok": self.ok,
            "errors": sum(self.statuses.values()) - self.ok,
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "median_ms": round(statistics.median(self.latencies) * 1000, 1) if self.latencies else None,
        }


def _ensure_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"load tests only target loopback, not {host}")


async def _run(
    url: str,
    make_body: Callable[[random.Random], dict[str, Any]],
    concurrency: int,
    seconds: float,
    seed: int,
    max_requests: int,
    headers: dict[str, str] | None,
) -> LoadResult:
    _ensure_loopback(url)
    result = LoadResult(target=url, seconds=seconds)
    deadline = time.perf_counter() + seconds
    sent = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30), headers=headers
    ) as session:

        async def client(index: int) -> None:
            nonlocal sent
            rng = random.Random(seed * 1000 + index)
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                started = time.perf_counter()
                body: Any = None
                try:
                    async with session.post(url, json=make_body(rng)) as answer:
                        status, raw = answer.status, await answer.read()
                    with contextlib.suppress(ValueError):  # a plain-text error page is counted, not parsed
                        body = json.loads(raw)
                except (TimeoutError, aiohttp.ClientError) as exc:
                    status, raw = 599, type(exc).__name__.encode()
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if 200 <= status < 300 and isinstance(body, dict):
                    result.accepted.append(body)
                elif len(result.refusals) < MAX_REFUSALS_KEPT:
                    result.refusals.add(f"{status}: {raw[:160].decode(errors='replace')}")

        began = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


def run_load(
    url: str,
    make_body: Callable[[random.Random], dict[str, Any]],
    *,
    concurrency: int,
    seconds: float,
    seed: int = 1,
    max_requests: int = 200_000,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    return run_to_completion(lambda: _run(url, make_body, concurrency, seconds, seed, max_requests, headers))


def spread(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})"
