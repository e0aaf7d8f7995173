"""What the gateway forwards: only the public routes of each service, on a clean path.

A service's public route table is its own OpenAPI document (fetched with the service
credential, cached for a minute): the routes under `/api/v1/<service>/` and, for reports,
`/open311/v2/`. A path is decoded and checked before it is matched: encoded `/` or `\\`,
NUL and other control characters, dot segments and double encoding are refused with 400, so
a service can never normalise a forwarded path into one of its internal routes (`/internal`,
`/docs`, `/openapi.json`). What matches no public route is a 404 from the gateway itself.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from kernel.auth import SERVICE_TOKEN_HEADER

PUBLIC_PREFIXES = {
    "scheduling": ("/api/v1/scheduling/",),
    "reports": ("/api/v1/reports/", "/open311/v2/"),
    "volunteers": ("/api/v1/volunteers/",),
}
TABLE_TTL_S = 60.0
SEGMENT_SAFE = "!$&'()*+,;=:@-._~"
_ENCODED_SEPARATOR = re.compile(rb"%(2f|5c)", re.IGNORECASE)
_STILL_ENCODED = re.compile(r"%[0-9a-fA-F]{2}")
_PARAMETER = re.compile(r"\{[^}/]+\}")


class PathRefused(Exception):
    """The request cannot be forwarded as sent: answered 400 with the message."""


class RouteTableUnavailable(Exception):
    """The service's route table could not be read (the service is down)."""


def clean_path(raw_path: bytes) -> list[str]:
    """The decoded segments of a raw request path, or PathRefused saying why it is refused."""
    if any(byte < 0x21 or byte > 0x7E for byte in raw_path):
        raise PathRefused("the path contains characters that must be percent-encoded")
    if _ENCODED_SEPARATOR.search(raw_path):
        raise PathRefused("an encoded '/' or '\\' in a path is not accepted")
    segments = []
    for raw_segment in raw_path.split(b"/")[1:]:
        try:
            segment = unquote_to_bytes(raw_segment).decode("utf-8")
        except UnicodeDecodeError:
            raise PathRefused("the path is not valid UTF-8 once decoded") from None
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in segment) or "\\" in segment:
            raise PathRefused("the path contains a control character or a backslash")
        if segment in (".", ".."):
            raise PathRefused("'.' and '..' segments are not accepted in a path")
        if _STILL_ENCODED.search(segment):
            raise PathRefused("the path is encoded twice; encode it once")
        segments.append(segment)
    return segments


def encode_path(segments: list[str]) -> str:
    return "/" + "/".join(quote(segment, safe=SEGMENT_SAFE) for segment in segments)


def check_header_values(headers: list[tuple[bytes, bytes]]) -> None:
    """Header values must be visible ASCII to be forwarded (RFC 9110 lets them be obs-text, but
    no service reads such a value, and an HTTP client refuses to send it)."""
    for name, value in headers:
        if any((byte < 0x20 and byte != 0x09) or byte > 0x7E for byte in value):
            raise PathRefused(
                f"the header {name.decode('latin-1')!r} contains characters other than visible ASCII; send it in ASCII"
            )


def check_query(raw_query: bytes) -> None:
    if any(byte < 0x21 or byte > 0x7E for byte in raw_query):
        raise PathRefused("the query string contains characters that must be percent-encoded")
    if re.search(rb"%00", raw_query):
        raise PathRefused("the query string contains a NUL character")


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = _PARAMETER.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + r"\Z")


@dataclass
class RouteTable:
    """One service's public routes: (pattern, methods), built from its OpenAPI paths."""

    routes: list[tuple[re.Pattern[str], frozenset[str]]]
    loaded_at: float = field(default_factory=time.monotonic)

    @classmethod
    def from_openapi(cls, service: str, document: dict[str, object]) -> RouteTable:
        routes = []
        paths = document.get("paths")
        for template, operations in paths.items() if isinstance(paths, dict) else []:
            if not isinstance(operations, dict) or not template.startswith(PUBLIC_PREFIXES[service]):
                continue
            methods = frozenset(method.upper() for method in operations)
            routes.append((_template_pattern(template), methods))
        return cls(routes)

    def methods_for(self, path: str) -> frozenset[str] | None:
        """The methods allowed on `path`, or None when it is no public route."""
        found: set[str] = set()
        matched = False
        for pattern, methods in self.routes:
            if pattern.match(path):
                matched = True
                found |= methods
        return frozenset(found) if matched else None


class RouteTables:
    """The route tables of all services, loaded on first use and refreshed every minute."""

    def __init__(self, upstreams: dict[str, str], service_token: str) -> None:
        self.upstreams = upstreams
        self.service_token = service_token
        self.tables: dict[str, RouteTable] = {}

    async def table(self, client: httpx.AsyncClient, service: str) -> RouteTable:
        table = self.tables.get(service)
        if table is not None and time.monotonic() - table.loaded_at < TABLE_TTL_S:
            return table
        try:
            answer = await client.get(
                f"{self.upstreams[service]}/openapi.json", headers={SERVICE_TOKEN_HEADER: self.service_token}
            )
            answer.raise_for_status()
            fresh = RouteTable.from_openapi(service, answer.json())
        except (httpx.HTTPError, ValueError) as exc:
            if table is not None:
                return table  # keep serving the last known table while the service restarts
            if isinstance(exc, httpx.TimeoutException):
                raise RouteTableUnavailable("it did not answer in time") from exc
            if isinstance(exc, httpx.TransportError):
                raise RouteTableUnavailable("it cannot be reached") from exc
            raise RouteTableUnavailable("its route table cannot be read") from exc
        self.tables[service] = fresh
        return fresh


class PathGuardMiddleware:
    """Refuses an unforwardable path with 400 before routing: a decoded newline, for one, makes
    the router's own match fail with a bare 404 that does not say what is wrong."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                clean_path(scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape"))
            except PathRefused as refused:
                response = JSONResponse({"detail": f"this request cannot be forwarded: {refused}"}, status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
