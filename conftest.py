"""Fixtures every test may use: a private real Redis, real databases, the real stack."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from kernel.auth import Role
from streetcare.local import free_port
from streetcare.testing import (
    SERVICE_HEADERS,
    SERVICES,
    TEST_SERVICE_TOKEN,
    TEST_TOKEN_SECRET,
    RedisProcess,
    RolledBackDatabases,
    Stack,
    bearer,
    commits_refused,
    create_database,
    drop_database,
    postgres_admin_url,
    private_redis,
    queued_envelopes,
    statements_sent,
    wait_until_a_twin_waits,
)

# A test reaches the harness (streetcare.testing, streetcare.local) through this file, by fixture or
# by name: a service's own tests (services/<service>/tests) never import streetcare, the tools' layer
# above the services (import-linter's layers); conftest.py, where every test meets the harness, is in none.
__all__ = [
    "SERVICE_HEADERS",
    "TEST_SERVICE_TOKEN",
    "TEST_TOKEN_SECRET",
    "RedisProcess",
    "bearer",
    "commits_refused",
    "create_database",
    "drop_database",
    "free_port",
    "postgres_admin_url",
    "queued_envelopes",
    "statements_sent",
    "wait_until_a_twin_waits",
]

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisProcess]:
    with private_redis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisProcess) -> str:
    import redis

    if redis_server.process is None:
        redis_server.start()
    redis.Redis.from_url(redis_server.url).flushdb()
    return redis_server.url


@pytest.fixture(scope="session")
def pg_admin_url() -> str | None:
    return postgres_admin_url()


def settings_kwargs(redis_url: str, database_url: str) -> dict[str, Any]:
    return {
        "database_url": database_url,
        "REDIS_URL": redis_url,
        "STREETCARE_TOKEN_SECRET": TEST_TOKEN_SECRET,
        "STREETCARE_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
        "STREETCARE_DEMO_MODE": False,
        "STREETCARE_LOG_LEVEL": "WARNING",
        # every runtime of a test shares one connection (rolled back after the test): mail and
        # events go out in the committing thread, not from a background thread on that connection
        "STREETCARE_MAIL_DELIVER_INLINE": True,
        "STREETCARE_OUTBOX_PUBLISH_IN_BACKGROUND": False,
    }


def service_settings(service: str, redis_url: str, database_url: str, **extra: Any) -> Any:
    if service == "scheduling":
        from services.scheduling.settings import SchedulingSettings as cls
    elif service == "reports":
        from services.reports.settings import ReportsSettings as cls  # type: ignore[assignment]
    else:
        from services.volunteers.settings import VolunteersSettings as cls  # type: ignore[assignment]
    return cls(**settings_kwargs(redis_url, database_url), **extra)


def migrate(service: str, settings: Any) -> None:
    if service == "scheduling":
        from services.scheduling.admin import migrate as run
    elif service == "reports":
        from services.reports.admin import migrate as run  # type: ignore[assignment]
    else:
        from services.volunteers.admin import migrate as run  # type: ignore[assignment]
    run(settings)


@contextlib.contextmanager
def database_of_its_own(service: str, admin_url: str | None, redis_url: str, workdir: Path) -> Iterator[Any]:
    """A migrated database for one test (PostgreSQL when one answers), dropped after it: for tests
    that race two real connections, which the rolled-back transaction the others share cannot hold."""
    url = create_database(admin_url, service, workdir)
    settings = service_settings(service, redis_url, url)
    migrate(service, settings)
    try:
        yield settings
    finally:
        drop_database(admin_url, url)


@pytest.fixture(scope="session")
def worker_databases(
    tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str | None, redis_server: RedisProcess
) -> Iterator[dict[str, str]]:
    """One migrated database per service for this test worker (pytest-xdist runs a session per
    worker), created and migrated once; `migrated` rolls each test's writes back."""
    workdir = tmp_path_factory.mktemp("databases")
    urls = {service: create_database(pg_admin_url, service, workdir) for service in SERVICES}
    try:
        for service, url in urls.items():
            migrate(service, service_settings(service, redis_server.url, url))
        yield urls
    finally:
        for url in urls.values():
            drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def demo_city_database(
    tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str | None, redis_server: RedisProcess
) -> Iterator[str]:
    """A scheduling database of this test worker with the demo city and its crews, loaded once;
    tests that use it through `demo_city` have their writes rolled back like any other."""
    from services.scheduling import admin as scheduling_admin

    url = create_database(pg_admin_url, "scheduling", tmp_path_factory.mktemp("demo-city"))
    try:
        settings = service_settings("scheduling", redis_server.url, url)
        migrate("scheduling", settings)
        assert scheduling_admin.load_demo_city(settings) is not None
        assert scheduling_admin.seed_demo_crews(settings) == 4
        yield url
    finally:
        drop_database(pg_admin_url, url)


@pytest.fixture
def rolled_back(
    request: pytest.FixtureRequest, worker_databases: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[RolledBackDatabases]:
    """The worker's databases inside a transaction that is rolled back after the test: every
    service runtime the test starts shares it (see `RolledBackDatabases`)."""
    from kernel import runtime

    urls = list(worker_databases.values())
    if "demo_city" in request.fixturenames:
        urls.append(request.getfixturevalue("demo_city_database"))
    databases = RolledBackDatabases(urls)
    monkeypatch.setattr(runtime, "make_engine", databases.make_engine)
    monkeypatch.setattr(runtime, "make_session_factory", databases.make_session_factory)
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture
def migrated(worker_databases: dict[str, str], rolled_back: RolledBackDatabases, redis_url: str) -> dict[str, Any]:
    """Settings for each service, against the worker's migrated databases and the private Redis."""
    return {service: service_settings(service, redis_url, url) for service, url in worker_databases.items()}


@pytest.fixture
def demo_city(demo_city_database: str, rolled_back: RolledBackDatabases, redis_url: str) -> Any:
    """Scheduling settings against the worker's demo-city database (demo streets and crews)."""
    return service_settings("scheduling", redis_url, demo_city_database)


@pytest.fixture
def demo_settings(demo_city: Any) -> Any:
    """The demo city planned with a fixed iteration count, not a time budget: the plans (and so the
    assertions) do not depend on how busy the host is."""
    from services.scheduling.planning.engine import ITERATION_STOP

    return demo_city.model_copy(update={"planner_iterations": ITERATION_STOP.iterations})


@contextlib.contextmanager
def scheduling_runtime(settings: Any, requester: Callable[[Iterable[date]], None] | None = None) -> Iterator[Any]:
    """A scheduling runtime on `settings` (its sessions know the city's time zone); a re-plan it
    asks for goes to `requester`, and nowhere when none is given."""
    from services.scheduling.database import OutboxMessage
    from services.scheduling.dirty import service as dirty
    from services.scheduling.settings import SchedulingRuntime

    running = SchedulingRuntime.start("scheduling", settings, OutboxMessage)
    dirty.attach(running, settings, requester=requester or (lambda days: None))
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def demo_client(demo_settings: Any) -> Iterator[Any]:
    """The scheduling app on the demo city, called as another service would (service headers)."""
    from fastapi.testclient import TestClient

    from services.scheduling.app import create_app

    with TestClient(create_app(demo_settings), headers=SERVICE_HEADERS) as test_client:
        yield test_client


def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.05, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def patient_get(url: str, *, headers: dict[str, str] | None = None, patience_s: float = 60.0) -> httpx.Response:
    """GET as a well-behaved client does: a 503 (a service busy planning on a loaded host) is asked
    again after its Retry-After, until `patience_s` is spent; any other answer is returned."""
    return _patiently(lambda: httpx.get(url, headers=headers, timeout=30), patience_s)


def patient_post(client: httpx.Client, path: str, body: dict[str, Any], *, patience_s: float = 90.0) -> httpx.Response:
    """POST as a well-behaved client does: with an Idempotency-Key, sent again with the same key
    after a 503's Retry-After (a service slow to answer on a loaded host) until `patience_s` is
    spent, so a retry after a lost answer finds what the first attempt did; any other answer is
    returned."""
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    return _patiently(lambda: client.post(path, json=body, headers=headers), patience_s)


def _patiently(send: Callable[[], httpx.Response], patience_s: float) -> httpx.Response:
    """`send` again after each 503's Retry-After (at most 5 s apart) until `patience_s` is spent."""
    deadline = time.monotonic() + patience_s
    while True:
        answer = send()
        if answer.status_code != 503 or time.monotonic() > deadline:
            return answer
        time.sleep(min(float(answer.headers.get("Retry-After", "1")), 5.0))


def replan_through_job(
    gateway_url: str, headers: dict[str, str], day: str, patience_s: float = 180.0
) -> dict[str, Any]:
    """A dispatcher's "re-plan now" through the gateway: 202 with the job, followed at its
    Location until the planner worker is done with it; the job as it ended (done, with the version)."""
    asked = httpx.post(f"{gateway_url}/api/v1/scheduling/plans/{day}/replan", headers=headers, timeout=30)
    assert asked.status_code == 202, asked.text
    url = gateway_url + asked.headers["location"]

    def ended() -> dict[str, Any] | None:
        answer = patient_get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job if job["status"] in ("done", "failed") else None

    job: dict[str, Any] = wait_for(ended, timeout=patience_s, interval=0.25, message=f"the re-plan job {url}")
    assert job["status"] == "done", job
    return job


def seed_demo_crews(stack: Stack) -> None:
    """The demo crews in a running stack's scheduling database (once; later calls change nothing),
    its foot crews on duty all day every day: the demo's foot crews end at noon on Saturdays and its sweeper works
    weekdays, so a suite run on a weekend afternoon would otherwise find today's plan empty."""
    from services.scheduling import admin as scheduling_admin

    created = scheduling_admin.seed_demo_crews(
        service_settings("scheduling", stack.redis_server.url, stack.database_urls["scheduling"])
    )
    if not created:
        return
    headers = bearer(Role.DISPATCHER)
    all_day = {d: {"start": "00:00", "end": "23:59"} for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for crew in httpx.get(f"{stack.gateway_url}/api/v1/scheduling/crews", headers=headers, timeout=30).json():
        if crew["mode"] != "foot":  # the sweeper keeps its short shift, so the foot crews still get work
            continue
        changed = httpx.patch(
            f"{stack.gateway_url}/api/v1/scheduling/crews/{crew['id']}",
            json={"shifts": all_day},
            headers=headers,
            timeout=30,
        )
        assert changed.status_code == 200, changed.text


def count_rows(database_url: str, table: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(text(table))).scalar() or 0)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str | None) -> Iterator[Stack]:
    """The whole stack as real processes, with the demo city loaded and copied to every service.

    It has its own Redis, so fault tests may stop it without touching the unit tests' Redis."""
    with private_redis() as redis_server:
        yield from _run_stack(tmp_path_factory, redis_server, pg_admin_url)


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str | None) -> Iterator[Stack]:
    """A stack of its own for fault injection: killing its parts disturbs no other test."""
    with private_redis() as redis_server:
        yield from _run_stack(
            tmp_path_factory,
            redis_server,
            pg_admin_url,
            extra_env={
                "STREETCARE_BROKER_VISIBILITY_TIMEOUT": "10",
                # a killed re-plan's lock must not outlive the test: it expires after 30 s
                "SCHEDULING_REPLAN_LOCK_TIMEOUT_S": "30",
            },
        )


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str | None) -> Iterator[Stack]:
    """A stack of its own for schemathesis: an admin fuzzing crews, targets and visits must not
    change the city the other stack tests plan."""
    with private_redis() as redis_server:
        yield from _run_stack(tmp_path_factory, redis_server, pg_admin_url)


def _run_stack(
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: RedisProcess,
    pg_admin_url: str | None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    from services.scheduling import admin as scheduling_admin

    workdir = tmp_path_factory.mktemp("stack")
    urls = {service: create_database(pg_admin_url, service, workdir) for service in SERVICES}
    for service, url in urls.items():
        migrate(service, service_settings(service, redis_server.url, url))
    scheduling_settings = service_settings("scheduling", redis_server.url, urls["scheduling"])
    result = scheduling_admin.load_demo_city(scheduling_settings)
    assert result is not None
    scheduling_admin.ensure_staff(
        "dispatcher@test.example", "Test dispatcher", Role.DISPATCHER, "dispatcher-password", scheduling_settings
    )
    # the stack's foot crews are on call all day (seed_demo_crews below), so a crew sent out costs the
    # share of an 8-hour working day; at the product's quarter a fresh city's prior-only estimates are
    # not worth a foot crew, and the pages' tests need routes: an eighth, what a quarter of the
    # demo's half-day shift costs
    env = {"SCHEDULING_CREW_SHIFT_SHARE": "0.125", **(extra_env or {})}
    running = Stack(workdir=workdir, redis_server=redis_server, database_urls=urls, extra_env=env)
    running.start()
    try:
        for service in ("reports", "volunteers"):
            wait_for(
                lambda s=service: count_rows(urls[s], "street_copies") >= result.created,
                timeout=300,
                message=f"{service} to copy the street registry",
            )
        yield running
    finally:
        running.stop()
        for url in urls.values():
            drop_database(pg_admin_url, url)
