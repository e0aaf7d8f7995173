"""The benchmark harnesses on tiny sizes: every figure is there and every request accounted for
(the figures themselves are not asserted: speed lives in the benchmarks' own output)."""

from __future__ import annotations

import os
import time
from http.server import BaseHTTPRequestHandler

import pytest

from kernel.blocking import run_to_completion
from services.scheduling.planning.generated import generate_city
from streetcare.bench.consume import run_consume_bench
from streetcare.bench.ingest import cpu_seconds, run_ingest_bench
from streetcare.bench.load import run_load
from streetcare.bench.planner import run_planner_bench, run_workers_bench, workers_summary
from streetcare.progress import quiet
from streetcare.testing import http_server


def test_generated_city_has_the_asked_size() -> None:
    candidates, crews = generate_city(200, 5, seed=3)
    assert len(candidates) == 200 and len(crews) == 5
    assert all(50 <= c.length_m <= 600 for c in candidates if c.service_seconds is None)
    assert generate_city(200, 5, seed=3) == (candidates, crews)


def test_bench_reports_every_figure() -> None:
    [row] = run_planner_bench(sizes=((60, 2),), budget_s=0.1, seed=2, baseline_factor=2.0, print_results=False)
    for key in ("wall_s", "peak_rss_mb", "prize_collected", "baseline_prize", "prize_vs_baseline", "meets_target"):
        assert key in row
    assert row["policy_s"] > 0 and row["policy_today_only_s"] > 0 and row["outlook_s"] > 0
    assert row["duplicate_visits"] == 0 and row["shift_violations"] == 0
    assert row["peak_rss_mb"] > 0


@pytest.mark.stack  # a private Redis and a planner worker process
@pytest.mark.xdist_group("bench-planner-workers")
def test_the_planner_workers_bench_reports_in_process_and_group_runs_side_by_side() -> None:
    runs = run_workers_bench(sizes=((400, 6),), workers=(1,), rounds=1, budget_s=1.0, roads=False, print_results=False)
    assert [run["workers"] for run in runs] == [0, 1]
    here, grouped = runs
    assert here["by_workers"] == 0 and here["worker_peak_rss_mb"] == 0
    assert grouped["subproblems"] >= 2 and grouped["by_workers"] == grouped["subproblems"], "every one a worker's"
    assert grouped["worker_peak_rss_mb"] > 0 and grouped["duplicate_visits"] == grouped["shift_violations"] == 0
    [base, one] = workers_summary(runs)
    assert base["wall_ratio"] == 1.0 and one["wall_ratio"] > 0 and one["prize_ratio"] > 0.5


def test_cpu_seconds_counts_this_process() -> None:
    spent = cpu_seconds(os.getpid())
    assert spent is not None and spent > 0
    busy_until = time.process_time() + 0.1  # several clock ticks of CPU
    while time.process_time() < busy_until:
        pass
    after = cpu_seconds(os.getpid())
    assert after is not None and after >= spent + 0.05


class _Created(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"id": 1}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_load_runs_from_a_thread_that_already_runs_an_event_loop() -> None:
    """Playwright's sync API keeps a loop running in a test process; the load must still run."""
    with http_server(_Created) as base:
        url = f"{base}/reports"

        async def inside_a_loop() -> int:
            result = run_load(url, lambda rng: {"n": rng.random()}, concurrency=2, seconds=5, max_requests=20)
            return len(result.accepted)

        # run_load is called from inside a running loop, whatever this test process's thread is running
        assert run_to_completion(inside_a_loop) == 20


@pytest.mark.stack
@pytest.mark.slow
@pytest.mark.xdist_group("bench-ingest")
@pytest.mark.timeout(900)  # its own stack: minutes to start on a busy 2-core machine
def test_ingest_bench_accounts_for_every_request() -> None:
    result = run_ingest_bench(seconds=1, concurrency=4, rounds=1, postgres=False, web_workers=2)
    assert set(result["databases"]) == {"sqlite"}
    figures = result["databases"]["sqlite"]
    for key in ("gateway_rps", "direct_rps", "bare_insert_rps", "hello_rps", "picks_gateway_rps", "picks_direct_rps"):
        assert figures[key] > 0, key
    assert figures["cpu_ms_per_report"] > 0 and figures["cpu_ms_per_pick"] > 0
    assert set(figures["filed_to_state_ms"]) == {"p50", "p99"}
    assert figures["filed_to_state_ms"]["p50"] is not None
    assert figures["accepted"] > 0 and figures["missing"] == 0
    assert figures["accepted"] == figures["in_reports"] == figures["in_scheduling"]
    assert figures["picks_accepted"] > 0 and figures["picks_missing"] == 0
    assert figures["picks_accepted"] == figures["picks_in_volunteers"] == figures["picks_in_scheduling"]
    assert set(figures["ratios"]) == {
        "direct_to_bare_insert",
        "gateway_to_direct",
        "picks_direct_to_bare_insert",
        "picks_gateway_to_direct",
        "several_workers_to_direct",
        "several_workers_to_bare_insert",
        "picks_several_workers_to_direct",
    }
    # each ratio also round by round (one round here): the two targets' own figures of that round
    per_round = figures["ratios_per_round"]
    assert per_round["direct_to_bare_insert"] == [figures["ratios"]["direct_to_bare_insert"]]
    assert per_round["picks_gateway_to_direct"] == [figures["ratios"]["picks_gateway_to_direct"]]
    several = figures["several_workers"]  # the services again, with two uvicorn workers each
    assert several["web_workers"] == 2 and several["direct_rps"] > 0 and several["picks_direct_rps"] > 0
    assert several["cpu_ms_per_report"] > 0  # the workers' CPU counted, not only the idle master's
    assert len(figures["load_average"]["before"]) == 3 and len(figures["load_average"]["after"]) == 3


def test_the_consume_bench_applies_every_event_alone_and_in_batches() -> None:
    """Both ways of applying events on a real database (a private Redis for the re-plan requests):
    every event sent is stored once, and each way has its figures."""
    result = run_consume_bench(events=40, rounds=1, postgres=False, progress=quiet)
    figures = result["databases"]["sqlite"]
    assert figures["events"] == 50 + 2 * 40 and figures["missing"] == 0
    for mode in ("alone", "batched"):
        assert figures[mode]["events_per_s"] > 0 and figures[mode]["cpu_ms_per_event"] > 0
    assert figures["batched_vs_alone"] > 0 and figures["batch_size"] >= 2


def test_the_planner_bench_says_which_run_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    """`streetcare bench planner` prints a line on stderr as each run starts, and while a child plans
    (the 20,000-street baseline plans for ten minutes), none of it on stdout where the table goes."""
    from streetcare.progress import Progress

    run_planner_bench(
        sizes=((60, 2),),
        budget_s=1.0,
        seed=2,
        baseline_factor=1.5,
        print_results=False,
        progress=Progress(),
        heartbeat_s=0.3,
    )
    said = capsys.readouterr()
    lines = said.err.splitlines()
    assert said.out == ""
    assert lines[0].endswith("planner 1/1: 60 streets, 2 crews, a 1 s budget") and lines[0].startswith("[")
    assert any(line.endswith("planner 1/1: the baseline, 1.5× the budget") for line in lines)
    still = [line for line in lines if "still planning 60 streets" in line]
    assert len(still) >= 2, lines  # a fresh child plans for over a second: a line every 0.3 s
