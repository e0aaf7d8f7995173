"""The FastAPI application every service is built from: lifespan, middleware, errors, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Protocol, TypeVar, overload

import anyio.to_thread
import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from kernel import metrics
from kernel.auth import SERVICE_TOKEN_HEADER, Principal, ask_session_ended, service_token_matches
from kernel.bus import BROKER_TIMEOUT_S, async_redis_retry
from kernel.db import CommitFailed, OutboxEntry, OutboxMixin, commit_or_refuse
from kernel.errors import DomainError
from kernel.logs import CorrelationIdMiddleware, configure_logging
from kernel.metrics import MetricsMiddleware, metrics_response
from kernel.redis_target import RedisTarget
from kernel.runtime import RuntimeSettings, ServiceRuntime, SettingsT, checked_settings

log = structlog.get_logger(__name__)


class AppSettings(RuntimeSettings, Protocol):
    """What the application reads from its service's settings, besides what the runtime reads."""

    @property
    def service_token(self) -> str: ...
    @property
    def log_level(self) -> str: ...
    @property
    def log_json(self) -> bool: ...
    @property
    def outbox_publish_in_background(self) -> bool: ...


AppSettingsT = TypeVar("AppSettingsT", bound=AppSettings)


@overload
def get_runtime(request: Request, settings_type: type[SettingsT]) -> ServiceRuntime[SettingsT]: ...
@overload
def get_runtime(request: Request) -> ServiceRuntime[RuntimeSettings]: ...
def get_runtime(request: Request, settings_type: type[RuntimeSettings] | None = None) -> ServiceRuntime[Any]:
    """The service's runtime; with its settings class, the settings typed (and checked)."""
    runtime: ServiceRuntime[Any] = request.app.state.runtime
    return checked_settings(runtime, settings_type)


def settings_of(request: Request, settings_type: type[SettingsT]) -> SettingsT:
    """The service's settings, typed: `settings_of(request, VolunteersSettings).public_url`."""
    settings = request.app.state.settings
    if not isinstance(settings, settings_type):
        raise RuntimeError(f"this app has {type(settings).__name__}, not {settings_type.__name__}")
    return settings


async def _session_slot_then_publish(request: Request) -> AsyncIterator[list[OutboxEntry]]:
    """Two things around a request's database session, on the event loop:

    - One of the process's `web_threads` session slots is taken before the session is made. A
      request holds its connection from its first dependency's query to the commit, across the
      thread hops between its dependencies and its route; with no more sessions than the pool
      has connections, no request waits for a connection while it holds a thread that one
      holding a connection needs (that wait ended in the pool's 30 s timeout).
    - The outbox rows the request committed go to the relay once the answer is sent: publishing
      never delays or fails an answer (the sweep retries what it misses). Handing them to the
      publisher thread is a queue put; only a process without one takes a worker thread."""
    committed: list[OutboxEntry] = []
    async with request.app.state.session_slots:
        yield committed
    if not committed:
        return
    runtime = get_runtime(request)
    if runtime.publisher is not None:
        runtime.publisher.submit(committed)
    else:
        await run_in_threadpool(runtime.publish_committed, committed)


async def get_session(
    request: Request, committed: Annotated[list[OutboxEntry], Depends(_session_slot_then_publish)]
) -> AsyncIterator[Session]:
    """The request's transaction, committed when the route returns and before it is answered:
    an answer of 2xx means the change (and its outbox row) is stored.

    The session is made on the event loop (making one touches no database: its connection is
    taken at the first query, on the route's thread); only the commit, which waits on the
    database, runs on a worker thread. A sync `yield` dependency would take a thread hop for
    each: under load every hop is a handover of the GIL between threads."""
    unit = commit_or_refuse(get_runtime(request).session_factory, committed)
    session = unit.__enter__()
    exit_limiter = anyio.CapacityLimiter(1)  # the commit never waits for a free worker thread
    try:
        yield session
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            swallowed = await anyio.to_thread.run_sync(
                unit.__exit__, type(exc), exc, exc.__traceback__, limiter=exit_limiter
            )
        if not swallowed:
            raise
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(unit.__exit__, None, None, None, limiter=exit_limiter)


# The one session dependency of every service route. scope="function": its exit (the commit)
# runs before the response is sent, not after it as a request-scoped `yield` dependency would.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

COMMIT_RETRY_AFTER_S = 2


def _readable_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Per field: where, the message in English, and pydantic's `type` with its plain `params`
    (min_length…), which the pages look up in their catalogue to say it in the reader's language."""
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        params = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, str | int | float | bool)}
        problems.append(
            {
                "field": location,
                "message": error.get("msg", "invalid value"),
                "type": error.get("type", "value_error"),
                "params": params,
            }
        )
    return problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _readable_validation_errors(exc)
        summary = "; ".join(f"{p['field'] or 'request'}: {p['message']}" for p in problems)
        return JSONResponse({"detail": summary, "errors": problems}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("request.conflict", error=str(exc.orig)[:200])
        return JSONResponse({"detail": "this conflicts with something that already exists"}, status_code=409)

    @app.exception_handler(DataError)
    async def _data_error(_: Request, exc: DataError) -> JSONResponse:
        return JSONResponse({"detail": "a value in the request is out of range or malformed"}, status_code=422)

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        return JSONResponse({"detail": "a number in the request is too large"}, status_code=422)

    @app.exception_handler(CommitFailed)
    async def _commit_refused(_: Request, exc: CommitFailed) -> JSONResponse:
        log.error("database.commit_refused", error=str(exc))
        return JSONResponse(
            {"detail": "the database refused to store this request, so nothing was saved; send it again shortly"},
            status_code=503,
            headers={"Retry-After": str(COMMIT_RETRY_AFTER_S)},
        )

    @app.exception_handler(OperationalError)
    async def _database_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database.unavailable", error=str(exc.orig)[:200])
        return JSONResponse(
            {"detail": "the database is unavailable; try again shortly"},
            status_code=503,
            headers={"Retry-After": "5"},
        )


class ServiceCallerMiddleware:
    """A service answers only callers holding the service credential (the gateway, the workers):
    being unreachable from outside must not depend on network policy alone. Probes and
    /metrics stay open for the kubelet and Prometheus; they carry no personal data."""

    OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

    def __init__(self, app: ASGIApp, *, service_token: str) -> None:
        self.app = app
        self.expected = service_token
        self.header = SERVICE_TOKEN_HEADER.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == self.header), None)
        if service_token_matches(self.expected, given):
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"detail": "this service is reached through the Streetcare gateway; call the gateway instead"},
            status_code=403,
        )
        await response(scope, receive, send)


class SessionStore:
    """Whether a token's session ended (logged out, password changed, account erased), asked of
    Redis on the event loop: every authenticated request asks, and a worker thread per request
    only to wait for Redis cost more than the question."""

    def __init__(self, redis_url: str) -> None:
        self.redis = RedisTarget.parse(redis_url).async_client(
            socket_timeout=BROKER_TIMEOUT_S, socket_connect_timeout=BROKER_TIMEOUT_S, retry=async_redis_retry()
        )

    async def token_revoked(self, principal: Principal) -> bool:
        """Raises SessionStoreUnavailable when Redis cannot say (fail closed: the request gets 503)."""
        return await ask_session_ended(self.redis, principal)

    async def close(self) -> None:
        await self.redis.aclose()


# A readiness check beyond database and Redis: (facts shown on /readyz, problems by name).
ReadinessCheck = Callable[[Session], tuple[dict[str, Any], dict[str, str]]]
# Sets a gauge from the service's own tables when Prometheus scrapes (e.g. reports overdue now).
ScrapeGauge = Callable[[Session], None]


def health_router(
    service: str, readiness: Sequence[ReadinessCheck] = (), gauges: Sequence[ScrapeGauge] = ()
) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        runtime = get_runtime(request)
        problems: dict[str, Any] = runtime.check_ready()
        facts: dict[str, Any] = {}
        if not problems:
            try:
                with runtime.session_factory() as session:
                    for check in readiness:
                        found, found_problems = check(session)
                        facts.update(found)
                        problems.update(found_problems)
            except Exception as exc:
                problems["database"] = type(exc).__name__
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems, **facts}, status_code=503)
        return JSONResponse({"status": "ready", "service": service, **facts})

    @router.get("/metrics", include_in_schema=False)
    def prometheus_metrics(request: Request) -> Any:
        runtime = get_runtime(request)
        try:
            pending, oldest_age = runtime.relay.pending_stats()
            metrics.OUTBOX_PENDING.labels(service).set(pending)
            metrics.OUTBOX_OLDEST_AGE.labels(service).set(oldest_age)
        except Exception as exc:
            log.warning("metrics.outbox_unavailable", error=str(exc))
        if gauges:
            try:
                with runtime.session_factory() as session:
                    for gauge in gauges:
                        gauge(session)
            except Exception as exc:  # a scrape still answers with what it has
                log.warning("metrics.gauges_unavailable", error=str(exc))
        return metrics_response()

    return router


def create_service_app(
    *,
    service: str,
    title: str,
    settings: AppSettingsT,
    outbox_model: type[OutboxMixin],
    routers: Sequence[APIRouter],
    on_start: Callable[[ServiceRuntime[AppSettingsT]], None] | None = None,
    readiness: Sequence[ReadinessCheck] = (),
    gauges: Sequence[ScrapeGauge] = (),
) -> FastAPI:
    configure_logging(service, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime.start(
            service, settings, outbox_model, publish_in_background=settings.outbox_publish_in_background
        )
        app.state.runtime = runtime
        sessions = SessionStore(settings.redis_url)
        app.state.token_revoked = sessions.token_revoked
        # as many request threads, and request sessions, as the pool keeps connections
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        app.state.session_slots = anyio.Semaphore(settings.web_threads)
        if on_start is not None:
            on_start(runtime)
        log.info("service.started", service=service)
        try:
            yield
        finally:
            await sessions.close()
            runtime.close()

    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(ServiceCallerMiddleware, service_token=settings.service_token)
    app.add_middleware(MetricsMiddleware, service=service)
    app.add_middleware(CorrelationIdMiddleware)
    install_error_handlers(app)
    app.include_router(health_router(service, readiness, gauges))
    for router in routers:
        app.include_router(router)
    return app
