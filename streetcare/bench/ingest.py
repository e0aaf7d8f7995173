"""Ingest benchmark: report and pick POSTs by concurrent clients, each beside its own baselines.

On each database (SQLite files; PostgreSQL too when one answers) one stack runs, and the same
load generator drives, interleaved over several rounds so machine noise hits all alike:
report POSTs through the gateway (the real path) and straight to the reports service, pick
POSTs through the gateway and straight to the volunteers service, a bare FastAPI + SQLAlchemy
app inserting one row per POST into the same kind of database (what the database and the web
stack cost by themselves) and a bare uvicorn hello (the machine's HTTP ceiling). Afterwards
every accepted report and pick must be in its service's database and in scheduling's street
state; report-filed → street-state-updated latency comes from the two services' timestamps.
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from kernel.settings import REPO_ROOT, ProcessSettings
from streetcare.bench.bare_insert import INSERT_PATH
from streetcare.bench.load import MAX_REFUSALS_KEPT, LoadResult, run_load
from streetcare.local import free_port
from streetcare.progress import Progress
from streetcare.testing import (
    SERVICE_HEADERS,
    SERVICES,
    Stack,
    create_database,
    drop_database,
    end_process,
    postgres_admin_url,
    private_redis,
)

CATEGORIES = ("litter", "litter", "litter", "overflowing_bin", "bulky_waste")
REPORTS_PATH = "/api/v1/reports/reports"
PICKS_PATH = "/api/v1/volunteers/picks"
BENCH_VOLUNTEER = ("bench-picker@bench.example", "Bench picker", "a-long-bench-password")
WARM_UP_SECONDS = 0.5
SEVERAL = "direct ×N"  # the reports service run with --web-workers uvicorn workers
PICKS_SEVERAL = "picks direct ×N"
# the uvicorn flags of the Procfile's services, for the two baselines
UVICORN_FLAGS = ("--no-proxy-headers", "--host", "127.0.0.1", "--no-access-log", "--log-level", "error")


@dataclass(frozen=True)
class Target:
    """One thing the load generator POSTs to; `cpu_of` names the process whose CPU is counted."""

    name: str
    url: str
    make_body: Callable[[random.Random], dict[str, Any]]
    headers: dict[str, str] | None = None
    cpu_of: str | None = None


def _migrate_and_seed(urls: dict[str, str], redis_url: str, *, volunteer: bool = False) -> int:
    from services.reports.admin import migrate as migrate_reports
    from services.reports.settings import ReportsSettings
    from services.scheduling.admin import load_demo_city
    from services.scheduling.admin import migrate as migrate_scheduling
    from services.scheduling.settings import SchedulingSettings
    from services.volunteers.admin import ensure_volunteer
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
    volunteers = VolunteersSettings(database_url=urls["volunteers"], **common)  # type: ignore[arg-type]
    migrate_volunteers(volunteers)
    if volunteer:
        email, name, password = BENCH_VOLUNTEER
        ensure_volunteer(email, name, password, volunteers)
    loaded = load_demo_city(scheduling)
    return loaded.created if loaded else 0


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


_progress = Progress()  # where a long run is, on stderr (the figures go to stdout)


def _has_streets(url: str, streets: int) -> bool:
    return _count(url, "SELECT count(*) FROM street_copies") >= streets


def _wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=1)
        return True
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def _uvicorn(
    app: str, name: str, workdir: Path, env: dict[str, str] | None = None, *, factory: bool = False, workers: int = 1
) -> Iterator[tuple[str, int]]:
    """An app under uvicorn with the services' flags: (its URL, its pid); stopped on the way out."""
    port = free_port()
    uvicorn = [
        str(Path(sys.executable).parent / "uvicorn"),
        app,
        *(["--factory"] if factory else []),
        *(["--workers", str(workers)] if workers > 1 else []),
    ]
    with (workdir / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            [*uvicorn, "--port", str(port), *UVICORN_FLAGS],
            cwd=REPO_ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            if not _wait(lambda: process.poll() is None and _answers(url), 60):
                raise RuntimeError(f"the {name} baseline did not come up: see {workdir / (name + '.log')}")
            yield url, process.pid
        finally:
            end_process(process)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process (all its threads) and its live children (uvicorn's
    workers) have used, from /proc; None elsewhere."""
    try:
        own = _stat(pid)
    except OSError:
        return None
    ticks = int(own[11]) + int(own[12])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(pid):
            with contextlib.suppress(OSError):
                stat = _stat(int(entry.name))
                if int(stat[1]) == pid:
                    ticks += int(stat[11]) + int(stat[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command name: state, ppid, … utime (11), stime (12)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def _login(gateway_url: str) -> str:
    email, _, password = BENCH_VOLUNTEER
    answer = httpx.post(f"{gateway_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


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


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def databases_to_run(postgres: bool | None) -> dict[str, str | None]:
    """kind → PostgreSQL admin URL (None: SQLite files). `postgres`: True requires PostgreSQL,
    False leaves it out, None adds it when one answers."""
    kinds: dict[str, str | None] = {"sqlite": None}
    if postgres is False:
        return kinds
    admin = postgres_admin_url()
    if admin is None and postgres:
        raise RuntimeError("--postgres: no PostgreSQL answers (127.0.0.1:5432 or TEST_DATABASE_URL)")
    if admin is not None:
        kinds["postgresql"] = admin
    return kinds


def run_ingest_bench(
    *,
    seconds: float = 10.0,
    concurrency: int = 32,
    rounds: int = 3,
    transport: str = "aiohttp",
    postgres: bool | None = None,
    web_workers: int = 2,
    report: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Every figure, per database; `report(kind, figures)` is called as each database is done."""
    results: dict[str, Any] = {}
    for kind, admin in databases_to_run(postgres).items():
        results[kind] = _run_on_database(
            kind,
            admin,
            seconds=seconds,
            concurrency=concurrency,
            rounds=rounds,
            transport=transport,
            web_workers=web_workers,
        )
        if report is not None:
            report(kind, results[kind])
    return {
        "transport": transport,
        "concurrency": concurrency,
        "seconds_per_round": seconds,
        "rounds": rounds,
        "web_workers": web_workers,
        "databases": results,
    }


def _run_on_database(
    kind: str, admin: str | None, *, seconds: float, concurrency: int, rounds: int, transport: str, web_workers: int
) -> dict[str, Any]:
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="streetcare-bench-") as tmp, private_redis() as redis_server:
        workdir = Path(tmp)
        urls: dict[str, str] = {}
        try:
            for service in (*SERVICES, "bare"):
                urls[service] = create_database(admin, service, workdir)
            streets = _migrate_and_seed(urls, redis_server.url, volunteer=True)
            stack = Stack(
                workdir=workdir,
                redis_server=redis_server,
                database_urls={service: urls[service] for service in SERVICES},
                extra_env={"GATEWAY_UPSTREAM_TRANSPORT": transport, "STREETCARE_LOG_LEVEL": "ERROR"},
            )
            try:
                _progress(f"{kind}: databases ready, starting the stack")
                stack.start()
                figures = _measure(stack, urls, streets, workdir, seconds, concurrency, rounds, web_workers)
            finally:
                stack.stop()
        finally:
            for url in urls.values():
                drop_database(admin, url)
    return {**figures, "load_average": {"before": load_before, "after": load_average()}}


def _measure(
    stack: Stack,
    urls: dict[str, str],
    streets: int,
    workdir: Path,
    seconds: float,
    concurrency: int,
    rounds: int,
    web_workers: int,
) -> dict[str, Any]:
    for service in ("reports", "volunteers"):
        if not _wait(partial(_has_streets, urls[service], streets), 300):
            raise RuntimeError(f"{service} did not copy the {streets} streets in 300 s")
    items = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 1000}, timeout=30).json()[
        "items"
    ]
    _progress("stack up, streets copied; loading")
    centroids = [(s["centroid"]["lat"], s["centroid"]["lon"]) for s in items]
    street_ids = [int(s["id"]) for s in items]
    volunteer = {"Authorization": f"Bearer {_login(stack.gateway_url)}"}
    # each POST a new request (no Idempotency-Key): a pick is one street, so scheduling gets one row per pick

    def report_body(rng: random.Random) -> dict[str, Any]:
        lat, lon = rng.choice(centroids)
        return {
            "category": rng.choice(CATEGORIES),
            "lat": lat + rng.uniform(-5e-5, 5e-5),
            "lon": lon + rng.uniform(-5e-5, 5e-5),
            "description": "bench",
        }

    def pick_body(rng: random.Random) -> dict[str, Any]:
        return {"street_ids": [rng.choice(street_ids)], "bags": 1, "minutes": 30}

    bare_env = {"BENCH_BARE_INSERT_DATABASE_URL": urls["bare"]}
    with contextlib.ExitStack() as running:
        hello_url, hello_pid = running.enter_context(_uvicorn("streetcare.bench.hello:app", "hello", workdir))
        bare_url, bare_pid = running.enter_context(
            _uvicorn("streetcare.bench.bare_insert:create_app", "bare", workdir, bare_env, factory=True)
        )
        # the same services again, run with several uvicorn workers on the same database and Redis,
        # their request threads (and pooled connections) shared out, so the total stays the same
        several: dict[str, tuple[str, int]] = {}
        if web_workers > 1:
            threads = max(1, ProcessSettings.model_fields["web_threads"].default // web_workers)
            for service in ("reports", "volunteers"):
                several[service] = running.enter_context(
                    _uvicorn(
                        f"services.{service}.app:create_app",
                        f"{service}-x{web_workers}",
                        workdir,
                        {**stack.env, "STREETCARE_WEB_THREADS": str(threads)},
                        factory=True,
                        workers=web_workers,
                    )
                )
        targets = [
            Target("gateway", stack.gateway_url + REPORTS_PATH, report_body),
            Target("direct", stack.url("reports") + REPORTS_PATH, report_body, SERVICE_HEADERS, "reports"),
            Target("bare insert", bare_url + INSERT_PATH, report_body, None, "bare"),
            Target("hello", hello_url + REPORTS_PATH, report_body, None, "hello"),
            Target("picks gateway", stack.gateway_url + PICKS_PATH, pick_body, volunteer),
            Target(
                "picks direct",
                stack.url("volunteers") + PICKS_PATH,
                pick_body,
                {**volunteer, **SERVICE_HEADERS},
                "volunteers",
            ),
        ]
        pids: dict[str, Callable[[], int]] = {
            "hello": lambda: hello_pid,
            "bare": lambda: bare_pid,
            "reports": lambda: stack.pid("reports"),
            "volunteers": lambda: stack.pid("volunteers"),
        }
        if several:
            reports_url, reports_pid = several["reports"]
            volunteers_url, volunteers_pid = several["volunteers"]
            pids["reports several"] = lambda: reports_pid
            pids["volunteers several"] = lambda: volunteers_pid
            targets += [
                Target(SEVERAL, reports_url + REPORTS_PATH, report_body, SERVICE_HEADERS, "reports several"),
                Target(
                    PICKS_SEVERAL,
                    volunteers_url + PICKS_PATH,
                    pick_body,
                    {**volunteer, **SERVICE_HEADERS},
                    "volunteers several",
                ),
            ]
        runs, cpu, warm_ups = _run_rounds(targets, pids, seconds, concurrency, rounds)
    return _figures(urls, streets, runs, cpu, warm_ups, web_workers if several else 1)


def _run_rounds(
    targets: Sequence[Target],
    pids: dict[str, Callable[[], int]],
    seconds: float,
    concurrency: int,
    rounds: int,
) -> tuple[dict[str, list[LoadResult]], dict[str, float | None], dict[str, LoadResult]]:
    """Each round every target in turn (the order turned by one each round); the CPU its counted
    process spent while it was loaded, summed over the rounds (None without /proc); the warm-ups."""
    runs: dict[str, list[LoadResult]] = {t.name: [] for t in targets}
    cpu: dict[str, float | None] = {t.name: 0.0 for t in targets if t.cpu_of}
    # a short warm-up each (connections, first-use caches); what it files is counted, not timed
    warm_ups = {
        t.name: run_load(t.url, t.make_body, concurrency=concurrency, seconds=WARM_UP_SECONDS, headers=t.headers)
        for t in targets
    }
    for round_number in range(rounds):
        turn = round_number % len(targets)
        for target in [*targets[turn:], *targets[:turn]]:
            pid = pids[target.cpu_of]() if target.cpu_of else None
            before = cpu_seconds(pid) if pid else None
            runs[target.name].append(
                run_load(
                    target.url,
                    target.make_body,
                    concurrency=concurrency,
                    seconds=seconds,
                    seed=round_number,
                    headers=target.headers,
                )
            )
            if target.cpu_of:
                after = cpu_seconds(pid) if pid else None
                spent = cpu[target.name]
                # a process the supervisor restarted meanwhile is not measured
                same = pid == pids[target.cpu_of]()
                cpu[target.name] = (
                    spent + after - before if spent is not None and before is not None and after and same else None
                )
    return runs, cpu, warm_ups


def _figures(
    urls: dict[str, str],
    streets: int,
    runs: dict[str, list[LoadResult]],
    cpu: dict[str, float | None],
    warm_ups: dict[str, LoadResult],
    web_workers: int,
) -> dict[str, Any]:
    def filed(*names: str) -> int:
        return sum(r.ok for name in names if name in runs for r in [*runs[name], warm_ups[name]])

    accepted = filed("gateway", "direct", SEVERAL)
    picks_accepted = filed("picks gateway", "picks direct", PICKS_SEVERAL)

    def scheduling_caught_up() -> bool:
        return (
            _count(urls["scheduling"], "SELECT count(*) FROM street_reports") >= accepted
            and _count(urls["scheduling"], "SELECT count(*) FROM street_picks") >= picks_accepted
        )

    _progress("load done; waiting for scheduling to apply every event")
    _wait(scheduling_caught_up, 300)
    in_reports = _count(urls["reports"], "SELECT count(*) FROM reports")
    in_scheduling = _count(urls["scheduling"], "SELECT count(*) FROM street_reports")
    picks_in_volunteers = _count(urls["volunteers"], "SELECT count(*) FROM picks")
    picks_in_scheduling = _count(urls["scheduling"], "SELECT count(*) FROM street_picks")
    latencies = sorted(_event_latencies(urls))
    summary = {name: _median_summary(results) for name, results in runs.items()}
    for name, row in summary.items():
        row["refusals"] = sorted({*row["refusals"], *warm_ups[name].refusals})[:MAX_REFUSALS_KEPT]

    def rps(name: str) -> float:
        return float(summary[name]["requests_per_s"])

    def cpu_ms_each(name: str) -> float | None:
        spent, ok = cpu.get(name), sum(r.ok for r in runs[name])
        return round(spent * 1000 / ok, 2) if spent is not None and ok else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 3) if a is not None and b else None

    def per_round(a: str, b: str) -> list[float | None] | None:
        """a ÷ b in each round: the two ran seconds apart, so a machine that slows for a while slows
        both (the medians' ratio may pair figures from different rounds)."""
        if a not in summary or b not in summary:
            return None
        rounds = zip(summary[a]["runs_requests_per_s"], summary[b]["runs_requests_per_s"], strict=True)
        return [ratio(x, y) for x, y in rounds]

    several = {
        "web_workers": web_workers,
        "direct_rps": rps(SEVERAL) if SEVERAL in summary else None,
        "cpu_ms_per_report": cpu_ms_each(SEVERAL) if SEVERAL in summary else None,
        "picks_direct_rps": rps(PICKS_SEVERAL) if PICKS_SEVERAL in summary else None,
    }

    return {
        "streets": streets,
        "gateway_rps": rps("gateway"),
        "direct_rps": rps("direct"),
        "bare_insert_rps": rps("bare insert"),
        "hello_rps": rps("hello"),
        "cpu_ms_per_report": cpu_ms_each("direct"),
        "cpu_ms_per_bare_insert": cpu_ms_each("bare insert"),
        "filed_to_state_ms": {
            "p50": round(_pct(latencies, 0.5) * 1000, 1) if latencies else None,
            "p99": round(_pct(latencies, 0.99) * 1000, 1) if latencies else None,
        },
        "accepted": accepted,
        "in_reports": in_reports,
        "in_scheduling": in_scheduling,
        "missing": accepted - min(in_reports, in_scheduling),
        "picks_gateway_rps": rps("picks gateway"),
        "picks_direct_rps": rps("picks direct"),
        "cpu_ms_per_pick": cpu_ms_each("picks direct"),
        "picks_accepted": picks_accepted,
        "picks_in_volunteers": picks_in_volunteers,
        "picks_in_scheduling": picks_in_scheduling,
        "picks_missing": picks_accepted - min(picks_in_volunteers, picks_in_scheduling),
        "ratios": {
            "direct_to_bare_insert": ratio(rps("direct"), rps("bare insert")),
            "gateway_to_direct": ratio(rps("gateway"), rps("direct")),
            "picks_direct_to_bare_insert": ratio(rps("picks direct"), rps("bare insert")),
            "picks_gateway_to_direct": ratio(rps("picks gateway"), rps("picks direct")),
            "several_workers_to_direct": ratio(several["direct_rps"], rps("direct")),
            "several_workers_to_bare_insert": ratio(several["direct_rps"], rps("bare insert")),
            "picks_several_workers_to_direct": ratio(several["picks_direct_rps"], rps("picks direct")),
        },
        "ratios_per_round": {
            "direct_to_bare_insert": per_round("direct", "bare insert"),
            "gateway_to_direct": per_round("gateway", "direct"),
            "picks_direct_to_bare_insert": per_round("picks direct", "bare insert"),
            "picks_gateway_to_direct": per_round("picks gateway", "picks direct"),
            "several_workers_to_bare_insert": per_round(SEVERAL, "bare insert"),
        },
        "several_workers": several,
        "targets": summary,
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
        "refusals": sorted({refusal for result in results for refusal in result.refusals})[:MAX_REFUSALS_KEPT],
    }


def print_database(kind: str, figures: dict[str, Any], *, concurrency: int, rounds: int, seconds: float) -> None:
    load = figures["load_average"]
    print(
        f"ingest — {kind}, {concurrency} clients, {rounds} rounds × {seconds:g} s per target (medians); "
        f"load average before {load['before']}, after {load['after']}"
    )
    print(f"{'target':<15}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ok':>8}{'errors':>8}  per round")
    for name, row in figures["targets"].items():
        print(
            f"{name:<15}{row['requests_per_s']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['ok']:>8}"
            f"{row['errors']:>8}  {row['runs_requests_per_s']}"
        )
    for name, row in figures["targets"].items():
        for refusal in row["refusals"]:
            print(f"  {name} refused: {refusal}")
    ratios, rounds_of = figures["ratios"], figures["ratios_per_round"]
    print(
        f"reports: direct ÷ bare insert {ratios['direct_to_bare_insert']} (target ≥ 0.5; per round "
        f"{rounds_of['direct_to_bare_insert']}), gateway ÷ direct {ratios['gateway_to_direct']} (target ≥ 0.9; "
        f"per round {rounds_of['gateway_to_direct']}); CPU per report {figures['cpu_ms_per_report']} ms, "
        f"per bare insert {figures['cpu_ms_per_bare_insert']} ms"
    )
    print(
        f"picks: direct ÷ bare insert {ratios['picks_direct_to_bare_insert']} (per round "
        f"{rounds_of['picks_direct_to_bare_insert']}), gateway ÷ direct {ratios['picks_gateway_to_direct']} "
        f"(per round {rounds_of['picks_gateway_to_direct']}); CPU per pick {figures['cpu_ms_per_pick']} ms"
    )
    several = figures["several_workers"]
    if several["direct_rps"] is not None:
        print(
            f"{several['web_workers']} uvicorn workers per service: reports {several['direct_rps']} req/s "
            f"({ratios['several_workers_to_direct']}× one worker, {ratios['several_workers_to_bare_insert']}× the "
            f"bare insert), CPU per report {several['cpu_ms_per_report']} ms; picks {several['picks_direct_rps']} "
            f"req/s ({ratios['picks_several_workers_to_direct']}× one worker)"
        )
    latency = figures["filed_to_state_ms"]
    print(f"report filed → street state updated: p50 {latency['p50']} ms, p99 {latency['p99']} ms")
    print(
        f"reports accepted {figures['accepted']}, in reports {figures['in_reports']}, in scheduling "
        f"{figures['in_scheduling']}, missing {figures['missing']}; picks accepted {figures['picks_accepted']}, "
        f"in volunteers {figures['picks_in_volunteers']}, in scheduling {figures['picks_in_scheduling']}, "
        f"missing {figures['picks_missing']}"
    )


__all__ = ["cpu_seconds", "databases_to_run", "print_database", "run_ingest_bench"]
