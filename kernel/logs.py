"""structlog JSON logs with a correlation id that follows a request into every event it causes."""

from __future__ import annotations

import logging
import secrets
import sys
from contextvars import ContextVar

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def bind_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)
    structlog.contextvars.clear_contextvars()
    if value:
        structlog.contextvars.bind_contextvars(correlation_id=value)


def configure_logging(process: str, level: str = "INFO", json_output: bool = True) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.dict_tracebacks,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(process=process)
    logging.basicConfig(level=level.upper(), stream=sys.stdout, format="%(name)s %(levelname)s %(message)s")


def _valid_incoming(value: str | None) -> str | None:
    if value and len(value) <= 128 and all(c.isalnum() or c in "-_.:" for c in value):
        return value
    return None


class CorrelationIdMiddleware:
    """Takes a sane `X-Correlation-ID` (or makes one), binds it to logs and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-correlation-id" or (name == b"x-request-id" and incoming is None):
                incoming = value.decode("latin-1")
        # 32 random hex digits, as uuid4().hex gave, without building a UUID object per request
        correlation_id = _valid_incoming(incoming) or secrets.token_hex(16)
        bind_correlation_id(correlation_id)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-correlation-id", correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_header)
