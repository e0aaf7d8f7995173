"""Accepted means stored: a service commits a request's transaction before it answers.

The service runs under a real uvicorn on a loopback port (an in-process test client would wait
for the whole request, commit included, and so could not see the answer go out early), on
SQLite and on PostgreSQL. The database is made to refuse at COMMIT with a deferred foreign key:
the INSERT succeeds, the check runs when the transaction commits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import uvicorn
from sqlalchemy import create_engine, event, text

from conftest import (
    SERVICE_HEADERS,
    bearer,
    commits_refused,
    create_database,
    drop_database,
    free_port,
    migrate,
    postgres_admin_url,
    service_settings,
)
from kernel.auth import Role
from services.reports.app import create_app
from services.reports.handlers import make_events
from services.reports.tests.support import ON_STREET_1, STREETS, street_event

SCHEDULING_QUEUE = "scheduling.events"  # where report.filed goes
DISPATCHER = bearer(Role.DISPATCHER)


@pytest.fixture(params=["sqlite", "postgresql"])
def committing_reports(request: pytest.FixtureRequest, redis_url: str, tmp_path: Path) -> Iterator[Any]:
    """Reports settings on a database of its own that really commits (no rolled-back test
    transaction): SQLite files, and PostgreSQL when one answers."""
    admin_url = None
    if request.param == "postgresql":
        admin_url = postgres_admin_url()
        if admin_url is None:
            pytest.skip("no PostgreSQL answers here")
    url = create_database(admin_url, "reports", tmp_path)
    settings = service_settings("reports", redis_url, url)
    migrate("reports", settings)
    yield settings
    drop_database(admin_url, url)


class LiveService:
    """A service app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", headers=SERVICE_HEADERS, timeout=20)
        return self.client

    def __exit__(self, *_: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=20)

    @property
    def engine(self) -> Any:
        return self.app.state.runtime.engine


@pytest.fixture
def reports_live(committing_reports: Any, tmp_path: Path) -> Iterator[tuple[LiveService, Any]]:
    settings = committing_reports.model_copy(
        update={"photo_dir": str(tmp_path / "photos"), "mail_dir": str(tmp_path / "mail")}
    )
    handlers = make_events(lambda: settings)
    for street_id, name, coordinates in STREETS:
        handlers.consume(street_event(street_id, name, coordinates))
    handlers.close()
    redis.Redis.from_url(settings.redis_url).delete(SCHEDULING_QUEUE)
    yield LiveService(create_app(settings)), settings


def count(database_url: str, query: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query)).scalar() or 0)
    finally:
        engine.dispose()


def report_body(**extra: Any) -> dict[str, Any]:
    return {"category": "litter", "lat": ON_STREET_1[0], "lon": ON_STREET_1[1], "description": "cans", **extra}


def test_a_commit_the_database_refuses_is_answered_503_and_publishes_nothing(
    reports_live: tuple[LiveService, Any],
) -> None:
    live, settings = reports_live
    queue = redis.Redis.from_url(settings.redis_url)
    with live as client:
        filed = client.post("/api/v1/reports/reports", json=report_body())
        assert filed.status_code == 201, filed.text
        # the check below can see a published event: the accepted report's is on the queue
        deadline = time.monotonic() + 10
        while queue.llen(SCHEDULING_QUEUE) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queue.llen(SCHEDULING_QUEUE) == 1
        stored_before = count(settings.database_url, "SELECT count(*) FROM reports")

        with commits_refused(settings.database_url):
            refused = client.post("/api/v1/reports/reports", json=report_body(description="bottles"))
            assert refused.status_code == 503, refused.text
            assert int(refused.headers["retry-after"]) > 0
            assert "nothing was saved" in refused.json()["detail"]

    assert count(settings.database_url, "SELECT count(*) FROM reports") == stored_before
    assert count(settings.database_url, "SELECT count(*) FROM outbox WHERE event_type = 'report.filed'") == 1
    time.sleep(0.5)  # a publish after the answer would have landed by now
    assert queue.llen(SCHEDULING_QUEUE) == 1, "an event left the outbox for a refused request"


def test_a_refused_commit_in_a_session_dependency_route_is_503_not_2xx(
    reports_live: tuple[LiveService, Any],
) -> None:
    """Routes that take `SessionDep` commit when they return: a refusal there must not be a 2xx
    that was already on the wire before the commit ran."""
    live, _ = reports_live
    with live as client:
        report = client.post("/api/v1/reports/reports", json=report_body()).json()
        engine = live.engine

        def refuse(connection: Any) -> None:
            raise_refusal(connection)

        event.listen(engine, "commit", refuse)
        try:
            answer = client.post(
                f"/api/v1/reports/reports/{report['id']}/status",
                json={"status": "acknowledged", "note": "on our list"},
                headers=DISPATCHER,
            )
        finally:
            event.remove(engine, "commit", refuse)
        assert answer.status_code == 503, answer.text
        assert "retry-after" in answer.headers
        staff_view = client.get(f"/api/v1/reports/reports/{report['id']}", headers=DISPATCHER).json()
        assert staff_view["status"] == "open", "the refused change was stored after all"


def raise_refusal(connection: Any) -> None:
    """What a database that refuses at commit time looks like to SQLAlchemy."""
    from sqlalchemy.exc import OperationalError

    raise OperationalError("COMMIT", {}, Exception("the database refused the commit (injected)"))


def test_a_write_is_visible_to_the_very_next_request(reports_live: tuple[LiveService, Any]) -> None:
    """A slow COMMIT (here 0.5 s) must delay the answer, not follow it."""
    live, _ = reports_live
    with live as client:
        report = client.post("/api/v1/reports/reports", json=report_body()).json()

        def slow_commit(_connection: Any) -> None:
            time.sleep(0.5)

        event.listen(live.engine, "commit", slow_commit)
        try:
            changed = client.post(
                f"/api/v1/reports/reports/{report['id']}/status",
                json={"status": "acknowledged", "note": "seen"},
                headers=DISPATCHER,
            )
            assert changed.status_code == 200, changed.text
            seen = client.get(f"/api/v1/reports/reports/{report['id']}", headers=DISPATCHER).json()
        finally:
            event.remove(live.engine, "commit", slow_commit)
        assert seen["status"] == "acknowledged"
