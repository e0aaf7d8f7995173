"""Security headers, per-client rate limits and a circuit breaker per upstream.

Rate limits count in Redis (fixed one-minute windows per client key, which is the token's
subject when there is one, else the IP), so every gateway replica shares them. The circuit
breaker turns a dead service into an immediate 503 with Retry-After instead of a pile of
requests waiting for a timeout.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import redis.asyncio as aioredis
import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class RateLimiter:
    """Fixed-window counters in Redis; if Redis is down the gateway lets requests through."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def hit(self, limit: RateLimit, client_key: str) -> int | None:
        """Returns seconds to wait when over the limit, else None."""
        window = int(time.time() // 60)
        digest = hashlib.sha256(client_key.encode()).hexdigest()[:24]
        key = f"streetcare:ratelimit:{limit.scope}:{digest}:{window}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, 61)
                count, _ = await pipe.execute()
        except aioredis.RedisError as exc:
            log.warning("ratelimit.redis_unavailable", error=str(exc))
            return None
        if int(count) > limit.requests_per_minute:
            return 60 - int(time.time()) % 60
        return None


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
