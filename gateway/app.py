"""The gateway: the one public entry point — pages, login, the APIs and Open311, live updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.middleware.gzip import GZipMiddleware

from gateway import auth, live, ratelimits, routes, upstream
from gateway.identity import verified_principal
from gateway.security import CircuitBreaker, RateLimiter, SecurityHeadersMiddleware
from gateway.settings import GatewaySettings
from gateway.web_assets import WEB_DIR, mount_web_assets
from kernel.bus import async_redis_retry
from kernel.logs import CorrelationIdMiddleware, configure_logging
from kernel.metrics import MetricsMiddleware, metrics_response
from kernel.redis_target import RedisTarget

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
        # sessions, logout and readiness: a pool of their own that live streams cannot take
        # a blocking pool: a burst waits a moment for a connection instead of failing closed with 503
        pool = RedisTarget.parse(settings.redis_url).async_pool(
            max_connections=settings.redis_pool_size,
            wait_s=5,
            socket_timeout=2,
            socket_connect_timeout=2,
            retry=async_redis_retry(),
        )
        app.state.redis = aioredis.Redis(connection_pool=pool)
        app.state.limiter = RateLimiter(settings.redis_url, pool_size=settings.redis_pool_size)
        app.state.route_tables = routes.RouteTables(settings.upstreams(), settings.service_token)
        app.state.live = live.PlanBroadcaster(settings)
        try:
            yield
        finally:
            await app.state.live.close()
            await app.state.http.aclose()
            await app.state.limiter.close()
            await app.state.redis.aclose()
            await pool.disconnect()  # a client given a pool does not close it

    app = FastAPI(title="Streetcare", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.breakers = {
        service: CircuitBreaker(settings.breaker_failure_threshold, settings.breaker_cooldown_seconds)
        for service in PROXIED_SERVICES
    }
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(routes.PathGuardMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, tile_origin=_origin(settings.map_tile_url))
    app.add_middleware(MetricsMiddleware, service="gateway")
    app.add_middleware(CorrelationIdMiddleware)
    app.include_router(auth.router)
    app.include_router(live.router)
    limits = ratelimits.GatewayLimits.from_settings(settings)
    app.state.limits = limits

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
                elif (answered_as := answer.json().get("service")) != service:
                    problems[service] = f"the upstream at {base} answers as {answered_as!r}"
            except Exception as exc:
                problems[service] = type(exc).__name__
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready", "service": "gateway"})

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return metrics_response()

    async def _proxy(request: Request, service: str, prefix: str) -> Response:
        try:
            segments = routes.clean_path(request.scope.get("raw_path") or request.url.path.encode())
            routes.check_query(request.scope.get("query_string", b""))
            routes.check_header_values(
                [(k, v) for k, v in request.headers.raw if k.decode("latin-1").lower() not in upstream.HOP_BY_HOP]
            )
        except routes.PathRefused as refused:
            return JSONResponse({"detail": f"this request cannot be forwarded: {refused}"}, status_code=400)
        path = routes.encode_path(segments)
        if not path.startswith(prefix):
            return not_found(path)
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
        try:
            principal = await verified_principal(request)
        except HTTPException as refused:
            return JSONResponse({"detail": refused.detail}, status_code=refused.status_code, headers=refused.headers)
        api_key = ratelimits.open311_api_key(request, path, body)
        limited = await ratelimits.check(request, limits, principal, path, api_key)
        if limited is not None:
            return limited
        breaker = request.app.state.breakers[service]
        if not breaker.allow():
            return upstream.unavailable(service, "it failed repeatedly just now", retry_after=breaker.retry_after())
        try:
            table = await request.app.state.route_tables.table(request.app.state.http, service)
        except routes.RouteTableUnavailable as exc:
            breaker.record_failure()
            return upstream.unavailable(service, str(exc))
        allowed = table.methods_for("/".join(["", *segments]))
        if allowed is None:
            return not_found(path)
        if request.method not in allowed:
            return JSONResponse(
                {"detail": f"{request.method} is not allowed here; use {', '.join(sorted(allowed))}"},
                status_code=405,
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        answer = await upstream.forward(request, request.app.state.http, settings, breaker, service, path, body)
        if api_key is not None and answer.status_code == 403:
            await ratelimits.count_rejected_key(request, limits)
        return answer

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.api_route("/api/v1/{service}/{path:path}", methods=methods, include_in_schema=False)
    async def api_proxy(service: str, path: str, request: Request) -> Response:
        if service not in PROXIED_SERVICES:
            return JSONResponse(
                {"detail": f"no API named {service!r}; the APIs are {', '.join(PROXIED_SERVICES)} and auth"},
                status_code=404,
            )
        return await _proxy(request, service, f"/api/v1/{service}/")

    @app.api_route("/open311/v2/{path:path}", methods=["GET", "POST"], include_in_schema=False)
    async def open311_proxy(path: str, request: Request) -> Response:
        return await _proxy(request, "reports", "/open311/v2/")

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


def not_found(path: str) -> JSONResponse:
    return JSONResponse({"detail": f"{path} is not a public API route"}, status_code=404)


def _page(filename: str):  # type: ignore[no-untyped-def]
    path = WEB_DIR / filename

    async def page() -> FileResponse:
        return FileResponse(path, media_type="text/html; charset=utf-8", headers={"cache-control": "no-cache"})

    return page
