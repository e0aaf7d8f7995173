"""Which allowances a forwarded request counts against, and the answer when one is used up.

- every request: the client address, and the verified person when there is one;
- writes: anonymous ones per address; a verified person's per person and, more generously,
  per address (many people may share an address, but a token is no way around it);
- Open311 writes with an `api_key`: the key's own allowance, so an aggregator does not share
  the anonymous per-address budget; a key the service refuses counts against the address;
- password checks (login, changing one's password): per address and per account, and these
  fail closed — when Redis cannot count, the check is not made (503).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import JSONResponse

from gateway.identity import client_ip
from gateway.security import LimiterUnavailable, RateLimit, RateLimiter
from gateway.settings import GatewaySettings
from kernel.auth import Principal

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# routes the gateway forwards that check a password (login is the gateway's own route)
PASSWORD_CHECK_ROUTES = frozenset({("POST", "/api/v1/volunteers/me/password")})


@dataclass(frozen=True)
class GatewayLimits:
    requests: RateLimit
    anonymous_writes: RateLimit
    user_writes: RateLimit
    address_writes: RateLimit
    open311_key: RateLimit
    rejected_keys: RateLimit
    login_per_address: RateLimit
    password_per_account: RateLimit

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> GatewayLimits:
        return cls(
            requests=RateLimit(settings.rate_limit_requests_per_minute, "requests"),
            anonymous_writes=RateLimit(settings.rate_limit_anonymous_writes_per_minute, "anonymous-writes"),
            user_writes=RateLimit(settings.rate_limit_user_writes_per_minute, "user-writes"),
            address_writes=RateLimit(settings.rate_limit_address_writes_per_minute, "address-writes"),
            open311_key=RateLimit(settings.rate_limit_open311_key_per_minute, "open311-key"),
            rejected_keys=RateLimit(settings.rate_limit_anonymous_writes_per_minute, "open311-rejected-key"),
            login_per_address=RateLimit(settings.rate_limit_login_per_minute, "login"),
            password_per_account=RateLimit(settings.rate_limit_password_checks_per_account_per_minute, "password"),
        )


def too_many(wait: int, what: str = "requests") -> JSONResponse:
    return JSONResponse(
        {"detail": f"too many {what}; try again in {wait} seconds"},
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


def limiter_down() -> JSONResponse:
    return JSONResponse(
        {"detail": "attempts cannot be counted right now; try again in a few seconds"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def open311_api_key(request: Request, path: str, body: bytes) -> str | None:
    """The api_key of an Open311 write (query or form body), if any."""
    if request.method != "POST" or not path.startswith("/open311/v2/"):
        return None
    key = request.query_params.get("api_key")
    if key is None and body:
        try:
            key = next(iter(parse_qs(body.decode("utf-8"), max_num_fields=200).get("api_key", [])), None)
        except (UnicodeDecodeError, ValueError):
            key = None
    return key.strip() or None if key else None


async def check_password_attempt(request: Request, limits: GatewayLimits, account: str) -> JSONResponse | None:
    """Counts one password check for the address and for the account; fails closed."""
    limiter: RateLimiter = request.app.state.limiter
    try:
        for limit, key in ((limits.login_per_address, client_ip(request)), (limits.password_per_account, account)):
            wait = await limiter.hit(limit, key)
            if wait is not None:
                return too_many(wait, "password attempts")
    except LimiterUnavailable:
        return limiter_down()
    return None


async def check(
    request: Request, limits: GatewayLimits, principal: Principal | None, path: str, api_key: str | None
) -> JSONResponse | None:
    """None when the request may go on, else the 429 (or 503) to answer."""
    address = client_ip(request)
    if (request.method, path) in PASSWORD_CHECK_ROUTES and principal is not None:
        refused = await check_password_attempt(request, limits, principal.subject)
        if refused is not None:
            return refused
    checks = [(limits.requests, f"ip:{address}")]
    if principal is not None:
        checks.append((limits.requests, f"subject:{principal.subject}"))
    if request.method in WRITE_METHODS:
        if api_key is not None:
            checks += [(limits.open311_key, api_key), (limits.address_writes, address)]
        elif principal is not None:
            checks += [(limits.user_writes, principal.subject), (limits.address_writes, address)]
        else:
            checks.append((limits.anonymous_writes, address))
    limiter: RateLimiter = request.app.state.limiter
    try:
        if api_key is not None and await limiter.used_up(limits.rejected_keys, address):
            return too_many(60, "requests with an api_key the city did not issue")
        for limit, key in checks:
            wait = await limiter.hit(limit, key)
            if wait is not None:
                return too_many(wait)
    except LimiterUnavailable:
        return None  # counting is down: serve (password checks above fail closed instead)
    return None


async def count_rejected_key(request: Request, limits: GatewayLimits) -> None:
    limiter: RateLimiter = request.app.state.limiter
    try:
        await limiter.hit(limits.rejected_keys, client_ip(request))
    except LimiterUnavailable:
        return
