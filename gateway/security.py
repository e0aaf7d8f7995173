"""Security headers, per-client rate limits and a circuit breaker per upstream.

Rate limits count in Redis with a moving one-minute window (the `limits` package), so every
gateway replica shares them. The circuit
breaker turns a dead service into an immediate 503 with Retry-After instead of a pile of
requests waiting for a timeout.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.redis_target import RedisTarget

log = structlog.get_logger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: {tiles}; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, tile_origin: str = "") -> None:
        self.app = app
        self.csp = CONTENT_SECURITY_POLICY.format(tiles=tile_origin).replace("  ", " ")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https" or any(
            name == b"x-forwarded-proto" and value == b"https" for name, value in scope.get("headers", [])
        )

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", self.csp)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("referrer-policy", "no-referrer")
                headers.setdefault("permissions-policy", "geolocation=(self), camera=(self)")
                if secure:
                    headers.setdefault("strict-transport-security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass(frozen=True)
class RateLimit:
    requests_per_minute: int
    scope: str

    @property
    def item(self) -> RateLimitItem:
        return RateLimitItemPerMinute(self.requests_per_minute, namespace=f"streetcare:{self.scope}")


class LimiterUnavailable(Exception):
    """Redis could not count this request."""


class RateLimiter:
    """Moving-window counters in Redis (the `limits` package), shared by every gateway replica.

    The storage has its own connection pool, so long-lived streams can never take the
    connections that counting needs."""

    def __init__(self, redis_url: str, *, pool_size: int = 32) -> None:
        pool = RedisTarget.parse(redis_url).async_pool(
            max_connections=pool_size, wait_s=5, socket_timeout=2, socket_connect_timeout=2
        )
        self._pool = pool
        # given a pool, the storage uses it and ignores the URI's address (Sentinel included)
        self.storage = RedisStorage("async+redis://", implementation="redispy", connection_pool=pool)  # type: ignore[arg-type]  # **options is typed narrowly
        self.strategy = MovingWindowRateLimiter(self.storage)

    async def hit(self, limit: RateLimit, client_key: str) -> int | None:
        """Counts one request; returns seconds to wait when over the limit, else None.
        Raises LimiterUnavailable when Redis cannot count (the caller decides: open or closed)."""
        digest = hashlib.sha256(client_key.encode()).hexdigest()[:24]
        try:
            if await self.strategy.hit(limit.item, digest):
                return None
            stats = await self.strategy.get_window_stats(limit.item, digest)
        except Exception as exc:
            log.warning("ratelimit.redis_unavailable", scope=limit.scope, error=str(exc))
            raise LimiterUnavailable(str(exc)) from exc
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def used_up(self, limit: RateLimit, client_key: str) -> bool:
        """Whether the allowance is used up, without counting a request."""
        digest = hashlib.sha256(client_key.encode()).hexdigest()[:24]
        try:
            return not await self.strategy.test(limit.item, digest)
        except Exception as exc:
            raise LimiterUnavailable(str(exc)) from exc

    async def close(self) -> None:
        bridge = getattr(self.storage, "bridge", None)
        storage = getattr(bridge, "storage", None)
        if storage is not None:
            await storage.aclose()
        await self._pool.disconnect()  # a client given a pool does not close it


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive failures; lets one trial through after `cooldown_s`."""

    threshold: int = 5
    cooldown_s: float = 10.0
    failures: int = 0
    opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        return time.monotonic() - self.opened_at >= self.cooldown_s

    def retry_after(self) -> int:
        if self.opened_at is None:
            return 0
        return max(1, int(self.cooldown_s - (time.monotonic() - self.opened_at)) + 1)

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()
