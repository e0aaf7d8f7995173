"""The one long-lived HTTP client the gateway forwards with, and the forwarding itself.

The transport is a setting: httpx's own pool is CPU-heavy under concurrency, the aiohttp-backed
transport (httpx-aiohttp) much less so; `streetcare bench ingest` measures both. A dead or slow
service becomes a 503 with Retry-After, never a hang.
"""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from httpx_aiohttp import AiohttpTransport
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.identity import client_ip, public_host_and_scheme
from gateway.security import CircuitBreaker
from gateway.settings import GatewaySettings
from kernel.auth import INTERNAL_CALLER_HEADER, SERVICE_TOKEN_HEADER
from kernel.logs import CORRELATION_HEADER, current_correlation_id

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        SERVICE_TOKEN_HEADER,
        INTERNAL_CALLER_HEADER,
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
    }
)
RESPONSE_DROP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "server", "date"}
)


def make_client(settings: GatewaySettings) -> httpx.AsyncClient:
    timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
        keepalive_expiry=settings.upstream_keepalive_s,
    )
    transport: httpx.AsyncBaseTransport
    if settings.upstream_transport == "aiohttp":
        transport = AiohttpTransport(limits=limits, trust_env=False)
    else:
        transport = httpx.AsyncHTTPTransport(limits=limits)
    return httpx.AsyncClient(
        timeout=timeout, limits=limits, transport=transport, follow_redirects=False, cookies=_keeps_no_cookies()
    )


def _keeps_no_cookies() -> CookieJar:
    """The client forwards for every caller: a cookie a service sets is its caller's (it goes back
    in the answer's headers), so the client's own jar must keep none, or it would send it on with
    everyone's later requests."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def unavailable(service: str, reason: str, retry_after: int = 5) -> JSONResponse:
    return JSONResponse(
        {"detail": f"the {service} service is unavailable right now ({reason}); try again in a few seconds"},
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )


async def forward(
    request: Request,
    client: httpx.AsyncClient,
    settings: GatewaySettings,
    breaker: CircuitBreaker,
    service: str,
    path: str,
    body: bytes,
) -> Response:
    if not breaker.allow():
        return unavailable(service, "it failed repeatedly just now", retry_after=breaker.retry_after())
    base = settings.upstreams()[service]
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers[SERVICE_TOKEN_HEADER] = settings.service_token
    correlation_id = current_correlation_id()
    if correlation_id:
        headers[CORRELATION_HEADER] = correlation_id
    headers["x-forwarded-for"] = client_ip(request)
    headers["x-forwarded-host"], headers["x-forwarded-proto"] = public_host_and_scheme(request)
    url = httpx.URL(f"{base}{path}")
    query = request.scope.get("query_string", b"")
    if query:
        url = url.copy_with(query=query)
    try:
        upstream = await client.request(request.method, url, content=body, headers=headers)
    except httpx.TimeoutException:
        breaker.record_failure()
        return unavailable(service, "it did not answer in time")
    except httpx.TransportError:
        breaker.record_failure()
        return unavailable(service, "it cannot be reached")
    if upstream.status_code in (502, 503, 504):
        breaker.record_failure()
    else:
        breaker.record_success()
    response = Response(upstream.content, status_code=upstream.status_code)
    # each header as sent (several Set-Cookie stay several: joined with commas they would break)
    response.raw_headers += [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in upstream.headers.multi_items()
        if name not in RESPONSE_DROP
    ]
    return response
