"""The gateway: the one public entry point — pages, login, the APIs and Open311, live updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.middleware.gzip import GZipMiddleware

from gateway import auth, live, upstream
from gateway.security import CircuitBreaker, RateLimit, RateLimiter, SecurityHeadersMiddleware
from gateway.settings import GatewaySettings
from gateway.web_assets import WEB_DIR, mount_web_assets
from streetcare.core.logs import CorrelationIdMiddleware, configure_logging
from streetcare.core.metrics import MetricsMiddleware, metrics_response

PAGES = {"/": "index.html", "/report": "report.html", "/volunteer": "volunteer.html", "/dispatch": "dispatch.html"}
PROXIED_SERVICES = ("scheduling", "reports", "volunteers")


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, read in chunks and abandoned as soon as it passes the limit (chunked uploads
    carry no Content-Length to check up front)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.http = upstream.make_client(settings)
        app.state.redis = aioredis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        app.state.limiter = RateLimiter(app.state.redis)
        try:
            yield
        finally:
            await app.state.http.aclose()
            await app.state.redis.aclose()

    app = FastAPI(title="Streetcare", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.breakers = {
        service: CircuitBreaker(settings.breaker_failure_threshold, settings.breaker_cooldown_seconds)
        for service in PROXIED_SERVICES
    }
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeadersMiddleware, tile_origin=_origin(settings.map_tile_url))
    app.add_middleware(MetricsMiddleware, service="gateway")
    app.add_middleware(CorrelationIdMiddleware)
    app.include_router(auth.router)
    app.include_router(live.router)
    anonymous_writes = RateLimit(settings.rate_limit_anonymous_writes_per_minute, "anonymous-writes")
    all_requests = RateLimit(settings.rate_limit_requests_per_minute, "requests")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        problems: dict[str, str] = {}
        try:
            await request.app.state.redis.ping()
        except Exception as exc:
            problems["redis"] = type(exc).__name__
        for service, base in settings.upstreams().items():
            try:
                answer = await request.app.state.http.get(f"{base}/healthz", timeout=2.0)
                if answer.status_code != 200:
                    problems[service] = f"status {answer.status_code}"
            except Exception as exc:
                problems[service] = type(exc).__name__
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready", "service": "gateway"})

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return metrics_response()

    async def _proxy(request: Request, service: str, path: str) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return JSONResponse(
                {"detail": f"the request body is larger than {settings.max_body_bytes // (1024 * 1024)} MB"},
                status_code=413,
            )
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            # a compressed body could be a zip bomb, and no service reads one: refuse before reading
            return JSONResponse(
                {"detail": f"send the request body uncompressed (Content-Encoding {encoding!r} is not accepted)"},
                status_code=415,
            )
        body = await _read_capped(request, settings.max_body_bytes)
        if body is None:
            return JSONResponse({"detail": "the request body is too large"}, status_code=413)
        limited = await _check_rate_limits(request, anonymous_writes, all_requests)
        if limited is not None:
            return limited
        breaker = request.app.state.breakers[service]
        return await upstream.forward(request, request.app.state.http, settings, breaker, service, path, body)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.api_route("/api/v1/{service}/{path:path}", methods=methods, include_in_schema=False)
    async def api_proxy(service: str, path: str, request: Request) -> Response:
        if service not in PROXIED_SERVICES:
            return JSONResponse(
                {"detail": f"no API named {service!r}; the APIs are {', '.join(PROXIED_SERVICES)} and auth"},
                status_code=404,
            )
        return await _proxy(request, service, f"/api/v1/{service}/{path}")

    @app.api_route("/open311/v2/{path:path}", methods=["GET", "POST"], include_in_schema=False)
    async def open311_proxy(path: str, request: Request) -> Response:
        return await _proxy(request, "reports", f"/open311/v2/{path}")

    for route, filename in PAGES.items():
        if not (WEB_DIR / filename).exists():
            continue
        app.add_api_route(route, _page(filename), methods=["GET"], include_in_schema=False)
    mount_web_assets(app, settings)
    return app


def _origin(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        return ""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return f"{scheme}://{host}"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _check_rate_limits(request: Request, anonymous_writes: RateLimit, all_requests: RateLimit) -> Response | None:
    limiter: RateLimiter = request.app.state.limiter
    has_token = request.headers.get("authorization", "").lower().startswith("bearer ")
    client_key = request.headers.get("authorization", "") if has_token else client_ip(request)
    checks = [(all_requests, client_key)]
    if request.method == "POST" and not has_token:
        checks.append((anonymous_writes, client_ip(request)))
    for limit, key in checks:
        wait = await limiter.hit(limit, key)
        if wait is not None:
            return JSONResponse(
                {"detail": f"too many requests; try again in {wait} seconds"},
                status_code=429,
                headers={"Retry-After": str(wait)},
            )
    return None


def _page(filename: str):  # type: ignore[no-untyped-def]
    path = WEB_DIR / filename

    async def page() -> FileResponse:
        return FileResponse(path, media_type="text/html; charset=utf-8", headers={"cache-control": "no-cache"})

    return page
