"""Who is asking: the client's address and, when a token is sent, the verified person.

A token counts as an identity (for rate limits, live updates) only after the gateway verified
its signature and that its session has not ended; a junk `Authorization` header is a 401 here,
not a way around the per-address limits. `X-Forwarded-For` is believed only when the direct
peer is one of the configured proxies (`GATEWAY_TRUSTED_PROXIES`), from the right: the first
address that is not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

import redis.asyncio as aioredis
from fastapi import HTTPException, Request

from kernel.auth import (
    InvalidToken,
    Principal,
    SessionStoreUnavailable,
    ask_session_ended,
    bearer_token,
    decode_token,
    session_ended,
    session_store_unavailable,
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_networks(spec: str) -> tuple[Network, ...]:
    """`GATEWAY_TRUSTED_PROXIES`: comma-separated addresses or CIDR blocks."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: Request) -> str:
    peer, port = (request.client.host, request.client.port) if request.client else ("unknown", 0)
    if port == 0 and "x-forwarded-for" in request.headers:
        # the server already replaced the peer with a forwarded address (uvicorn without
        # --no-proxy-headers): the real peer is lost, so count all such callers as one
        return "unverified-forwarded"
    networks = parse_networks(request.app.state.settings.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return peer  # a proxy passed on garbage: count the proxy, not the garbage
    return peer


def public_host_and_scheme(request: Request) -> tuple[str, str]:
    """The host and scheme the client used, for the services' links (Open311 discovery): a trusted
    proxy's X-Forwarded-Host/-Proto, else this request's own Host header and scheme. A client's own
    X-Forwarded-* headers are not believed, as for the client address."""
    host, scheme = request.headers.get("host", ""), request.url.scheme
    peer = request.client.host if request.client else ""
    networks = parse_networks(request.app.state.settings.trusted_proxies)
    if networks and peer and _trusted(peer, networks):
        host = request.headers.get("x-forwarded-host", "").split(",", 1)[0].strip() or host
        scheme = request.headers.get("x-forwarded-proto", "").split(",", 1)[0].strip() or scheme
    return host, scheme


async def verified_principal(request: Request, query_token: str | None = None) -> Principal | None:
    """The person behind the request's token, verified; None without a token. 401 for a bad or
    ended token, 503 when Redis cannot tell whether it ended (fail closed)."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request) or query_token
    if token is None:
        return None
    try:
        principal = decode_token(token, request.app.state.settings.accepted_token_secrets)
    except InvalidToken:
        raise HTTPException(
            401, "your session token is invalid or expired; log in again", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    redis: aioredis.Redis = request.app.state.redis
    try:
        ended = await ask_session_ended(redis, principal)
    except SessionStoreUnavailable:
        raise session_store_unavailable() from None
    if ended:
        raise session_ended()
    request.state.principal = principal
    return principal
