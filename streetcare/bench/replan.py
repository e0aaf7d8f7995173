"""Re-plan benchmark: with the demo city planned, a burst of reports — how long until the new
plan version is published (the `plan.published` event a dispatcher's page receives).

Baseline in the same run: a dispatcher's "re-plan now" (POST …/replan, 202 with a job, followed
until done), i.e. the planner worker's solve and storage alone, without the event path and the
debounce; also the seconds the job itself reports.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import redis

from kernel.auth import Role, issue_token
from kernel.bus import LIVE_CHANNEL
from streetcare.bench.ingest import _count, _migrate_and_seed, _wait
from streetcare.progress import quiet
from streetcare.testing import SERVICES, TEST_TOKEN_SECRET, Stack, create_database, private_redis


def _follow_job(client: httpx.Client, url: str, headers: dict[str, str], timeout: float = 300.0) -> dict[str, Any]:
    """A re-plan job polled until the planner worker is done with it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(url, headers=headers).json()
        if job["status"] == "done":
            return job
        if job["status"] == "failed":
            raise RuntimeError(f"the re-plan failed: {job['error']}")
        time.sleep(0.1)
    raise TimeoutError(f"the re-plan job {url} did not end in {timeout:.0f} s")


class PlanListener:
    """Records when each `plan.published` arrives on the live channel."""

    def __init__(self, redis_url: str) -> None:
        self.client = redis.Redis.from_url(redis_url)
        self.pubsub = self.client.pubsub()
        self.pubsub.subscribe(LIVE_CHANNEL)
        self.published: list[tuple[float, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is None:
                continue
            envelope = json.loads(message["data"])
            if envelope.get("type") == "plan.published":
                self.published.append((time.perf_counter(), envelope["data"]))

    def wait_for_version_after(self, started: float, plan_date: str, timeout: float) -> float | None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for at, data in list(self.published):
                if at >= started and data.get("plan_date") == plan_date:
                    return at - started
            time.sleep(0.05)
        return None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.pubsub.close()
        self.client.close()


def run_replan_bench(
    *, bursts: int = 8, reports_per_burst: int = 10, seed: int = 1, progress: Callable[[str], None] = quiet
) -> dict[str, Any]:
    from services.scheduling.admin import seed_demo_crews
    from services.scheduling.settings import SchedulingSettings
    from streetcare.testing import TEST_SERVICE_TOKEN

    rng = random.Random(seed)
    token, _ = issue_token(TEST_TOKEN_SECRET, "staff:1", Role.DISPATCHER, 3600)
    headers = {"Authorization": f"Bearer {token}"}
    with tempfile.TemporaryDirectory(prefix="streetcare-replan-") as tmp, private_redis() as redis_server:
        workdir = Path(tmp)
        urls = {service: create_database(None, service, workdir) for service in SERVICES}
        streets = _migrate_and_seed(urls, redis_server.url)
        seed_demo_crews(
            SchedulingSettings(
                database_url=urls["scheduling"],
                REDIS_URL=redis_server.url,
                STREETCARE_TOKEN_SECRET=TEST_TOKEN_SECRET,
                STREETCARE_SERVICE_TOKEN=TEST_SERVICE_TOKEN,
            )
        )
        stack = Stack(
            workdir=workdir, redis_server=redis_server, database_urls=urls, extra_env={"STREETCARE_LOG_LEVEL": "ERROR"}
        )
        listener: PlanListener | None = None
        try:
            progress(f"replan: {streets} streets and the demo crews in place; starting the stack")
            stack.start()
            listener = PlanListener(redis_server.url)
            _wait(lambda: _count(urls["reports"], "SELECT count(*) FROM street_copies") >= streets, 120)
            client = httpx.Client(base_url=stack.gateway_url, timeout=300)
            # the city's today: plans are dated in the city's time zone, not in UTC
            today = client.get("/api/v1/scheduling/plan-days", headers=headers).json()["today"]
            replan_now: list[float] = []
            job_seconds: list[float] = []
            progress("replan: stack up; three re-plans now (the baseline)")
            for _ in range(3):
                started = time.perf_counter()
                answer = client.post(f"/api/v1/scheduling/plans/{today}/replan", headers=headers)
                answer.raise_for_status()
                job = _follow_job(client, answer.headers["location"], headers)
                replan_now.append(time.perf_counter() - started)
                job_seconds.append(float(job["seconds"] or 0.0))
            items = client.get("/api/v1/scheduling/streets", params={"limit": 1000}).json()["items"]
            time.sleep(3)  # let the re-plans the set-up caused settle
            to_published = []
            for burst in range(1, bursts + 1):
                progress(f"replan: burst {burst}/{bursts} of {reports_per_burst} reports")
                burst_started = time.perf_counter()
                for street in rng.sample(items, reports_per_burst):
                    client.post(
                        "/api/v1/reports/reports",
                        json={"category": "litter", "lat": street["centroid"]["lat"], "lon": street["centroid"]["lon"]},
                    ).raise_for_status()
                waited = listener.wait_for_version_after(burst_started, today, timeout=180)
                if waited is not None:
                    to_published.append(waited)
                time.sleep(2)
        finally:
            if listener is not None:
                listener.close()
            stack.stop()
    ordered = sorted(to_published)
    return {
        "streets": streets,
        "bursts": bursts,
        "reports_per_burst": reports_per_burst,
        "published": len(ordered),
        "burst_to_published_p50_s": round(statistics.median(ordered), 2) if ordered else None,
        "burst_to_published_p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
        if ordered
        else None,
        "replan_now_median_s": round(statistics.median(replan_now), 2),
        "replan_now_runs_s": [round(x, 2) for x in replan_now],
        "replan_now_job_seconds": [round(x, 2) for x in job_seconds],
    }


def print_replan(result: dict[str, Any]) -> None:
    print(
        f"replan — demo city ({result['streets']} streets), {result['bursts']} bursts of "
        f"{result['reports_per_burst']} reports"
    )
    print(
        f"burst → plan.published: p50 {result['burst_to_published_p50_s']} s, p95 "
        f"{result['burst_to_published_p95_s']} s ({result['published']}/{result['bursts']} published)"
    )
    print(
        f"baseline, a dispatcher's re-plan now (202, job followed until done): median "
        f"{result['replan_now_median_s']} s {result['replan_now_runs_s']}, the job's own seconds "
        f"{result['replan_now_job_seconds']}"
    )
