"""Prometheus metrics: HTTP by route template (not raw path, so cardinality stays bounded) and
the domain counters operators watch (events, outbox lag, reports, re-plans)."""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"])
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter("streetcare_events_published_total", "Events published", ["service", "type"])
EVENTS_REDELIVERED = Counter(
    "streetcare_events_redelivered_total",
    "Published events sent again because a subscriber had not confirmed them",
    ["service", "type"],
)
EVENTS_CONSUMED = Counter("streetcare_events_consumed_total", "Events consumed", ["service", "type", "outcome"])
OUTBOX_PENDING = Gauge("streetcare_outbox_pending", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "streetcare_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"]
)
DEAD_LETTERS = Gauge("streetcare_dead_letters", "Messages in the dead-letter queue")
QUEUE_DEPTH = Gauge("streetcare_queue_depth", "Messages waiting in a queue", ["queue"])
REPORTS_FILED = Counter("streetcare_reports_filed_total", "Resident reports accepted", ["category"])
REPORTS_OVERDUE = Gauge("streetcare_reports_overdue", "Open reports past their response target", ["category"])
PICKS_LOGGED = Counter("streetcare_picks_logged_total", "Volunteer picks logged")
REPLAN_DURATION = Histogram(
    "streetcare_replan_duration_seconds",
    "Time to compute and store a new plan version",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120),
)
PLAN_VERSIONS = Counter("streetcare_plan_versions_total", "Plan versions published")
STREET_LEVELS = Gauge("streetcare_street_level_streets", "Streets per estimated CROW level", ["level"])
CREW_HOURS_PLANNED = Gauge("streetcare_crew_hours_planned", "Crew hours on the latest plan", ["date"])
VOLUNTEER_COVERAGE = Gauge("streetcare_volunteer_coverage_ratio", "Share of streets covered by an active adoption")


def _route_template(scope: Scope) -> str:
    """The matched route's template, as the router left it in the scope (never the raw path)."""
    route = scope.get("route")
    if route is not None and getattr(route, "path_format", None):
        return str(route.path_format)
    app = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = _route_template(scope)
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_DURATION.labels(self.service, method, route).observe(time.perf_counter() - started)


def metrics_response(_: Request | None = None) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
