"""Ingest benchmark: resident reports POSTed by concurrent clients, through the gateway and direct.

Three targets in the same run, interleaved over several rounds so machine noise hits all of
them alike: the gateway (the real path), the reports service directly (the hop's baseline),
and a bare uvicorn endpoint (the machine's ceiling). Afterwards every accepted report must be
in the reports database and in scheduling's street state; report-filed → street-state-updated
latency comes from the two services' own timestamps.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from streetcare.bench.load import LoadResult, run_load
from streetcare.core.settings import REPO_ROOT
from streetcare.local import free_port
from streetcare.testing import SERVICE_HEADERS, SERVICES, Stack, base_environment, create_database, private_redis

CATEGORIES = ("litter", "litter", "litter", "overflowing_bin", "bulky_waste")


def _migrate_and_seed(urls: dict[str, str], redis_url: str) -> int:
    from services.reports.admin import migrate as migrate_reports
    from services.reports.settings import ReportsSettings
    from services.scheduling.admin import load_demo_city
    from services.scheduling.admin import migrate as migrate_scheduling
    from services.scheduling.settings import SchedulingSettings
    from services.volunteers.admin import migrate as migrate_volunteers
    from services.volunteers.settings import VolunteersSettings
    from streetcare.testing import TEST_SERVICE_TOKEN, TEST_TOKEN_SECRET

    common = {
        "REDIS_URL": redis_url,
        "STREETCARE_TOKEN_SECRET": TEST_TOKEN_SECRET,
        "STREETCARE_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
    }
    scheduling = SchedulingSettings(database_url=urls["scheduling"], **common)  # type: ignore[arg-type]
    migrate_scheduling(scheduling)
    migrate_reports(ReportsSettings(database_url=urls["reports"], **common))  # type: ignore[arg-type]
    migrate_volunteers(VolunteersSettings(database_url=urls["volunteers"], **common))  # type: ignore[arg-type]
    loaded = load_demo_city(scheduling)
    return loaded.created if loaded else 0


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def _wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@contextlib.contextmanager
def _hello_server(workdir: Path) -> Iterator[str]:
    port = free_port()
    log = (workdir / "hello.log").open("ab")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "streetcare.bench.hello:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(url), 30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        httpx.post(f"{url}/api/v1/reports/reports", json={}, timeout=1)
        return True
    except httpx.HTTPError:
        return False


def _event_latencies(urls: dict[str, str]) -> list[float]:
    """report created (reports DB) → report.filed applied (scheduling's inbox), in seconds."""
    reports_engine = create_engine(urls["reports"])
    scheduling_engine = create_engine(urls["scheduling"])
    try:
        with reports_engine.connect() as connection:
            filed: dict[str, Any] = dict(
                connection.execute(text("SELECT id, created_at FROM outbox WHERE event_type='report.filed'")).all()
            )
        with scheduling_engine.connect() as connection:
            applied: dict[str, Any] = dict(
                connection.execute(text("SELECT event_id, processed_at FROM processed_events")).all()
            )
    finally:
        reports_engine.dispose()
        scheduling_engine.dispose()
    latencies = []
    for event_id, created_at in filed.items():
        done = applied.get(event_id)
        if done is not None:
            latencies.append((_as_dt(done) - _as_dt(created_at)).total_seconds())
    return latencies


def _as_dt(value: Any) -> Any:
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run_ingest_bench(
    *, seconds: float = 10.0, concurrency: int = 32, rounds: int = 3, transport: str = "aiohttp", postgres: bool = False
) -> dict[str, Any]:
    from streetcare.testing import postgres_admin_url

    admin = postgres_admin_url() if postgres else None
    with tempfile.TemporaryDirectory(prefix="streetcare-bench-") as tmp, private_redis() as redis_server:
        workdir = Path(tmp)
        urls = {service: create_database(admin, service, workdir) for service in SERVICES}
        streets = _migrate_and_seed(urls, redis_server.url)
        stack = Stack(
            workdir=workdir,
            redis_server=redis_server,
            database_urls=urls,
            extra_env={"GATEWAY_UPSTREAM_TRANSPORT": transport, "STREETCARE_LOG_LEVEL": "ERROR"},
        )
        stack.start()
        try:
            _wait(lambda: _count(urls["reports"], "SELECT count(*) FROM street_copies") >= streets, 120)
            centroids = [
                (s["centroid"]["lat"], s["centroid"]["lon"])
                for s in httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 1000}).json()[
                    "items"
                ]
            ]

            def body(rng: random.Random) -> dict[str, Any]:
                lat, lon = rng.choice(centroids)
                return {
                    "category": rng.choice(CATEGORIES),
                    "lat": lat + rng.uniform(-5e-5, 5e-5),
                    "lon": lon + rng.uniform(-5e-5, 5e-5),
                    "description": "bench",
                }

            with _hello_server(workdir) as hello_url:
                targets = {
                    "gateway": f"{stack.gateway_url}/api/v1/reports/reports",
                    "direct": f"{stack.url('reports')}/api/v1/reports/reports",
                    "bare uvicorn": f"{hello_url}/api/v1/reports/reports",
                }
                runs: dict[str, list[LoadResult]] = {name: [] for name in targets}
                for round_number in range(rounds):
                    for name, url in targets.items():
                        runs[name].append(
                            run_load(
                                url,
                                body,
                                concurrency=concurrency,
                                seconds=seconds,
                                seed=round_number,
                                headers=SERVICE_HEADERS if name == "direct" else None,
                            )
                        )
            accepted = sum(r.ok for name in ("gateway", "direct") for r in runs[name])
            in_reports = _count(urls["reports"], "SELECT count(*) FROM reports")
            _wait(lambda: _count(urls["scheduling"], "SELECT count(*) FROM street_reports") >= accepted, 300)
            in_scheduling = _count(urls["scheduling"], "SELECT count(*) FROM street_reports")
            latencies = sorted(_event_latencies(urls))
        finally:
            stack.stop()
    summary = {name: _median_summary(results) for name, results in runs.items()}
    direct = summary["direct"]["requests_per_s"]
    gateway = summary["gateway"]["requests_per_s"]
    return {
        "transport": transport,
        "database": "postgresql" if admin else "sqlite",
        "concurrency": concurrency,
        "seconds_per_run": seconds,
        "rounds": rounds,
        "targets": summary,
        "gateway_hop_cost": round(1 - gateway / direct, 3) if direct else None,
        "accepted": accepted,
        "in_reports_db": in_reports,
        "in_scheduling": in_scheduling,
        "missing": accepted - min(in_reports, in_scheduling),
        "filed_to_state_p50_ms": round(_pct(latencies, 0.5) * 1000, 1) if latencies else None,
        "filed_to_state_p99_ms": round(_pct(latencies, 0.99) * 1000, 1) if latencies else None,
    }


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def _median_summary(results: list[LoadResult]) -> dict[str, Any]:
    rows = [r.summary() for r in results]
    return {
        "requests_per_s": round(statistics.median(r["requests_per_s"] for r in rows), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rows), 1),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in rows), 1),
        "ok": sum(r["ok"] for r in rows),
        "errors": sum(r["errors"] for r in rows),
        "runs_requests_per_s": [r["requests_per_s"] for r in rows],
    }


def print_ingest(result: dict[str, Any]) -> None:
    print(
        f"ingest — {result['database']}, gateway transport {result['transport']}, {result['concurrency']} clients, "
        f"{result['rounds']} rounds × {result['seconds_per_run']:.0f} s per target (medians)"
    )
    print(f"{'target':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ok':>8}{'errors':>8}  per round")
    for name, row in result["targets"].items():
        print(
            f"{name:<14}{row['requests_per_s']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['ok']:>8}"
            f"{row['errors']:>8}  {row['runs_requests_per_s']}"
        )
    print(f"gateway hop cost: {result['gateway_hop_cost'] * 100:.1f}% of direct throughput (target < 25%)")
    print(
        f"report filed → street state updated: p50 {result['filed_to_state_p50_ms']} ms, "
        f"p99 {result['filed_to_state_p99_ms']} ms"
    )
    print(
        f"accepted {result['accepted']}, in reports {result['in_reports_db']}, in scheduling "
        f"{result['in_scheduling']}, missing {result['missing']}"
    )


__all__ = ["base_environment", "print_ingest", "run_ingest_bench"]
