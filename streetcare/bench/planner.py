"""Planner speed benchmark: plan a day for generated cities of growing size.

Why a child process per run: PyVRP's memory lives in C++, which tracemalloc
cannot see, so peak memory is read from ``ru_maxrss`` of a fresh process
(multiprocessing 'spawn') that plans one instance and exits.  The baseline is
the same instance with ``baseline_factor`` × the time budget: how much prize
the budget leaves on the table.

Travel is along a road network (a generated street grid under the city, one-ways and pedestrian
streets included: ``generate_streets``) unless ``roads=False``; the graph's build time and the memory
it adds are measured apart (``graph_seconds``, ``graph_mb``), and ``matrix_seconds`` is the time the
sub-problems' travel matrices took (shortest paths included).

Also measured: whether a warm start from the previous plan keeps urgent new
work out (``run_replan_urgent_bench``); and a day solved through the Celery group across one, two…
planner worker processes beside the in-process solve (``run_workers_bench``, ``--workers 1,2``).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kernel.logs import configure_logging
from services.scheduling.planning.engine import DEFAULT_POLICY
from services.scheduling.planning.estimator import observe_visit, prior
from services.scheduling.planning.generated import generate_city, generate_streets
from services.scheduling.planning.network import RoadNetwork
from services.scheduling.planning.policy import StreetFacts, horizon_outlook, street_candidates
from services.scheduling.planning.routing import (
    Crew,
    DayPlan,
    Distribution,
    SolverStop,
    StreetCandidate,
    plan_day,
    solve_subproblem,
)
from streetcare.progress import quiet
from streetcare.testing import TEST_SERVICE_TOKEN, TEST_TOKEN_SECRET, planner_workers, private_redis
from workers.planner import GroupSolver, client
from workers.settings import WorkerSettings

__all__ = [
    "default_budget_s",
    "generate_city",
    "print_table",
    "print_workers_table",
    "run_planner_bench",
    "run_replan_urgent_bench",
    "run_workers_bench",
    "sizes_json",
    "workers_summary",
]

TARGETS_S = {300: 2.0, 3000: 15.0, 20000: 90.0}
MEMORY_TARGET_MB = 2048.0


def default_budget_s(streets: int) -> float:
    """Solver budget that leaves room for set-up within the size's wall-time target."""
    return min(60.0, max(1.0, streets / 300.0))


def _shift_violations(plan: DayPlan, crews: Sequence[Crew]) -> int:
    by_id = {crew.id: crew for crew in crews}
    return sum(1 for route in plan.routes.values() if route.returns_at > by_id[route.crew_id].shift_end)


def _rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:  # pragma: no cover - not Linux
        return 0.0


def _through_group(redis_url: str) -> tuple[Distribution, GroupSolver]:
    """The day's sub-problems as a Celery group to the planner workers on ``redis_url``: every one
    waited for (the re-plan does not help), so the workers' count is the solvers' count."""
    settings = WorkerSettings(
        REDIS_URL=redis_url, STREETCARE_TOKEN_SECRET=TEST_TOKEN_SECRET, STREETCARE_SERVICE_TOKEN=TEST_SERVICE_TOKEN
    )
    solver = GroupSolver(client(settings), settings, solve_subproblem, help_while_waiting=False)
    return Distribution(solver), solver


def _plan_once(
    streets: int, crews: int, budget_s: float, seed: int, roads: bool = True, redis_url: str | None = None
) -> dict[str, Any]:
    """Runs in a fresh child: generate, build the road network, plan, and report time, memory and prize;
    with ``redis_url``, the sub-problems are solved by the planner workers there (a Celery group)."""
    if redis_url:
        configure_logging("bench", "warning", False)  # the group's log line would cut into the table
    distribution, solver = _through_group(redis_url) if redis_url else (None, None)
    candidates, crew_list = generate_city(streets, crews, seed)
    network = None
    graph_mb = 0.0
    if roads:
        lines = generate_streets(candidates, seed)
        before = _rss_mb()
        network = RoadNetwork.build(lines)
        graph_mb = _rss_mb() - before
    started = time.perf_counter()
    plan = plan_day(
        candidates,
        crew_list,
        stop=SolverStop.after_seconds(budget_s),
        seed=seed,
        network=network,
        distribution=distribution,
    )
    wall = time.perf_counter() - started + (network.build_seconds if network else 0.0)
    policy = _policy_seconds(candidates, seed)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    visits = [v.candidate_id for r in plan.routes.values() for v in r.visits]
    return {
        "wall_s": wall,
        "peak_rss_mb": peak_kb / 1024.0,
        "prize_collected": plan.prize_collected,
        "prize_available": plan.prize_available,
        "visits": len(visits),
        "duplicate_visits": len(visits) - len(set(visits)),
        "shift_violations": _shift_violations(plan, crew_list),
        "matrix_seconds": sum(sub.matrix_seconds for sub in plan.subproblems),
        "graph_seconds": network.build_seconds if network else 0.0,
        "graph_mb": graph_mb,
        "graph_streets": network.streets if network else 0,
        "graph_nodes": network.nodes if network else 0,
        "straight_line_stops": plan.travel.stops_straight_line,
        "subproblems": len(plan.subproblems),
        "largest_subproblem": max((s.clients for s in plan.subproblems), default=0),
        "solver_seconds": sum(s.solve_seconds for s in plan.subproblems),
        "by_workers": sum(1 for s in plan.subproblems if s.solved_by),
        "group_seconds": solver.last_outcome.get("seconds", 0.0) if solver else 0.0,
        **policy,
    }


def _policy_seconds(candidates: Sequence[StreetCandidate], seed: int) -> dict[str, float]:
    """The effort rule's own time on the city's streets, apart from the router's (each street given
    the estimate of one last cleaned 0–20 days ago): the day's candidates with the product's horizon
    and with today alone (``policy_today_only_s``, the baseline), and the preview of the horizon's
    next days a re-plan stores."""
    rng = random.Random(seed)
    now = datetime(2026, 5, 4, 5, tzinfo=UTC)
    facts = [
        StreetFacts(
            c.id,
            c.district,
            c.lat,
            c.lon,
            c.length_m,
            observe_visit(
                prior("default", c.length_m, now - timedelta(days=60)), now - timedelta(days=rng.uniform(0.0, 20.0))
            ),
        )
        for c in candidates
        if c.length_m > 0
    ]
    timings: dict[str, float] = {}
    street_candidates(facts[:50], now.date(), now)  # the first call pays for what is loaded lazily
    for key, config in (("policy_s", DEFAULT_POLICY), ("policy_today_only_s", replace(DEFAULT_POLICY, horizon_days=1))):
        started = time.perf_counter()
        street_candidates(facts, now.date(), now, config=config)
        timings[key] = time.perf_counter() - started
    started = time.perf_counter()
    horizon_outlook(facts, now.date(), now, config=DEFAULT_POLICY)
    timings["outlook_s"] = time.perf_counter() - started
    return timings


HEARTBEAT_S = 30.0  # a line this often while one city is planned (the 20,000-street baseline takes minutes)


def _in_child(
    streets: int,
    crews: int,
    budget_s: float,
    seed: int,
    roads: bool,
    progress: Callable[[str], None] = quiet,
    heartbeat_s: float = HEARTBEAT_S,
    redis_url: str | None = None,
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    started = time.monotonic()
    with context.Pool(1, maxtasksperchild=1) as pool:
        pending = pool.apply_async(_plan_once, (streets, crews, budget_s, seed, roads, redis_url))
        while True:
            try:
                result: dict[str, Any] = pending.get(timeout=heartbeat_s)
                return result
            except multiprocessing.TimeoutError:
                progress(f"  still planning {streets:,} streets: {time.monotonic() - started:.0f} s so far")


def run_planner_bench(
    sizes: Sequence[tuple[int, int]] = ((300, 3), (3000, 20), (20000, 80)),
    budget_s: float | Sequence[float] | None = None,
    seed: int = 1,
    baseline_factor: float = 10.0,
    print_results: bool = True,
    roads: bool = True,
    progress: Callable[[str], None] = quiet,
    heartbeat_s: float = HEARTBEAT_S,
) -> list[dict[str, Any]]:
    """Plan each (streets, crews) size fresh, then again with ``baseline_factor`` × budget;
    ``progress`` hears which run starts, and every ``heartbeat_s`` that it still goes on."""
    if budget_s is None or isinstance(budget_s, (int, float)):
        budgets = [default_budget_s(n) if budget_s is None else float(budget_s) for n, _ in sizes]
    else:
        budgets = [float(b) for b in budget_s]
    rows: list[dict[str, Any]] = []
    for number, ((streets, crews), budget) in enumerate(zip(sizes, budgets, strict=True), start=1):
        progress(f"planner {number}/{len(sizes)}: {streets:,} streets, {crews} crews, a {budget:.0f} s budget")
        run = _in_child(streets, crews, budget, seed, roads, progress, heartbeat_s)
        row: dict[str, Any] = {"streets": streets, "crews": crews, "budget_s": budget, **run}
        if baseline_factor > 0:
            progress(f"planner {number}/{len(sizes)}: the baseline, {baseline_factor:g}× the budget")
            baseline = _in_child(streets, crews, budget * baseline_factor, seed, roads, progress, heartbeat_s)
            row["baseline_budget_s"] = budget * baseline_factor
            row["baseline_wall_s"] = baseline["wall_s"]
            row["baseline_peak_rss_mb"] = baseline["peak_rss_mb"]
            row["baseline_prize"] = baseline["prize_collected"]
            row["prize_vs_baseline"] = (
                run["prize_collected"] / baseline["prize_collected"] if baseline["prize_collected"] else 1.0
            )
        target = TARGETS_S.get(streets)
        row["target_s"] = target
        row["meets_target"] = (target is None or run["wall_s"] <= target) and run["peak_rss_mb"] < MEMORY_TARGET_MB
        rows.append(row)
        if print_results:
            print_table([row], header=len(rows) == 1)
    return rows


def run_workers_bench(
    sizes: Sequence[tuple[int, int]] = ((20000, 80),),
    workers: Sequence[int] = (1, 2),
    rounds: int = 3,
    budget_s: float | None = None,
    seed: int = 1,
    roads: bool = True,
    progress: Callable[[str], None] = quiet,
    heartbeat_s: float = HEARTBEAT_S,
    print_results: bool = True,
) -> list[dict[str, Any]]:
    """Each size planned in-process (the baseline) and through the Celery group with each count of
    planner worker processes (``workers``), on a private Redis, the same day and seed and the same
    total solver budget (shared by size among the sub-problems either way); ``rounds`` rounds,
    interleaved, so each variant meets the host's load alike.  One row per run, then the medians
    (``print_workers_table``).  The workers are started (and answer Celery's ping) before a run's clock."""
    rows: list[dict[str, Any]] = []
    with private_redis() as redis_server, tempfile.TemporaryDirectory(prefix="streetcare-planner-bench-") as folder:
        for streets, crews in sizes:
            budget = default_budget_s(streets) if budget_s is None else float(budget_s)
            for number in range(1, rounds + 1):
                for count in (0, *workers):
                    what = "in-process" if count == 0 else f"{count} planner worker{'s' if count > 1 else ''}"
                    progress(f"planner round {number}/{rounds}: {streets:,} streets, {what}, a {budget:.0f} s budget")
                    load_before = os.getloadavg()[0]
                    if count == 0:
                        run = _in_child(streets, crews, budget, seed, roads, progress, heartbeat_s)
                        worker_peaks: list[float] = []
                    else:
                        with planner_workers(redis_server.url, count, Path(folder)) as started:
                            run = _in_child(
                                streets, crews, budget, seed, roads, progress, heartbeat_s, redis_server.url
                            )
                            worker_peaks = started.peak_rss_mb()
                    row = {
                        "streets": streets,
                        "crews": crews,
                        "budget_s": budget,
                        "round": number,
                        "workers": count,
                        **run,
                        "worker_peak_rss_mb": max(worker_peaks, default=0.0),
                        "load_before": load_before,
                        "load_after": os.getloadavg()[0],
                    }
                    rows.append(row)
                    if print_results:
                        print_workers_runs([row], header=len(rows) == 1)
    return rows


def workers_summary(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per size and variant: the medians over the rounds, and wall time and prize against the
    in-process solve's medians (``wall_ratio`` < 1: faster; ``prize_ratio`` < 1: less prize)."""
    summary: list[dict[str, Any]] = []
    for streets, crews in dict.fromkeys((r["streets"], r["crews"]) for r in rows):
        runs = [r for r in rows if r["streets"] == streets and r["crews"] == crews]
        medians: dict[int, dict[str, Any]] = {}
        for count in dict.fromkeys(r["workers"] for r in runs):
            mine = [r for r in runs if r["workers"] == count]
            medians[count] = {
                "streets": streets,
                "crews": crews,
                "workers": count,
                "rounds": len(mine),
                "wall_s": statistics.median(r["wall_s"] for r in mine),
                "walls_s": [round(r["wall_s"], 2) for r in mine],
                "prize": statistics.median(r["prize_collected"] for r in mine),
                "visits": statistics.median(r["visits"] for r in mine),
                "subproblems": mine[0]["subproblems"],
                "by_workers": statistics.median(r["by_workers"] for r in mine),
                "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in mine),
                "worker_peak_rss_mb": statistics.median(r["worker_peak_rss_mb"] for r in mine),
                "load": statistics.median((r["load_before"] + r["load_after"]) / 2 for r in mine),
            }
        base = medians.get(0)
        for row in medians.values():
            row["wall_ratio"] = row["wall_s"] / base["wall_s"] if base and base["wall_s"] else None
            row["prize_ratio"] = row["prize"] / base["prize"] if base and base["prize"] else None
            summary.append(row)
    return summary


def print_workers_runs(rows: Sequence[dict[str, Any]], header: bool = True) -> None:
    """One line per run: the variant, its wall time, prize and memory, the host's load around it."""
    if header:
        print(
            f"{'streets':>8} {'crews':>5} {'budget':>6} {'round':>5} {'solved by':>12} {'wall s':>7} "
            f"{'prize':>10} {'visits':>6} {'subs':>5} {'by wkrs':>7} {'peak MB':>7} {'wkr MB':>7} {'load':>9}"
        )
    for row in rows:
        what = "in-process" if row["workers"] == 0 else f"{row['workers']} worker{'s' if row['workers'] > 1 else ''}"
        print(
            f"{row['streets']:>8} {row['crews']:>5} {row['budget_s']:>6.0f} {row['round']:>5} {what:>12} "
            f"{row['wall_s']:>7.2f} {row['prize_collected']:>10.0f} {row['visits']:>6} {row['subproblems']:>5} "
            f"{row['by_workers']:>7} {row['peak_rss_mb']:>7.0f} {row['worker_peak_rss_mb']:>7.0f} "
            f"{row['load_before']:>4.1f}→{row['load_after']:<4.1f}",
            flush=True,
        )


def print_workers_table(summary: Sequence[dict[str, Any]]) -> None:
    """The medians side by side: wall time and prize (the objective) against the in-process solve."""
    print(
        f"{'streets':>8} {'crews':>5} {'solved by':>12} {'rounds':>6} {'wall s (median)':>16} {'vs in-process':>13} "
        f"{'prize (median)':>14} {'vs in-process':>13} {'load':>5}  walls"
    )
    for row in summary:
        what = "in-process" if row["workers"] == 0 else f"{row['workers']} worker{'s' if row['workers'] > 1 else ''}"
        wall_ratio = row["wall_ratio"] if row["wall_ratio"] is not None else float("nan")
        prize_ratio = row["prize_ratio"] if row["prize_ratio"] is not None else float("nan")
        print(
            f"{row['streets']:>8} {row['crews']:>5} {what:>12} {row['rounds']:>6} {row['wall_s']:>16.2f} "
            f"{wall_ratio:>13.3f} {row['prize']:>14.0f} {prize_ratio:>13.4f} {row['load']:>5.1f}  {row['walls_s']}",
            flush=True,
        )


def sizes_json(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The interface's figures per size: ``streetcare bench planner --json OUT`` writes them as ``sizes``."""
    return [
        {
            "streets": row["streets"],
            "crews": row["crews"],
            "seconds": round(row["wall_s"], 3),
            "peak_rss_mb": round(row["peak_rss_mb"], 1),
            "matrix_seconds": round(row["matrix_seconds"], 3),
            "graph_seconds": round(row["graph_seconds"], 3),
            "graph_mb": round(row["graph_mb"], 1),
            "prize_share_vs_10x": round(row["prize_vs_baseline"], 4) if "prize_vs_baseline" in row else None,
            "policy_seconds": round(row["policy_s"], 3),
            "policy_today_only_seconds": round(row["policy_today_only_s"], 3),
            "outlook_seconds": round(row["outlook_s"], 3),
        }
        for row in rows
    ]


def print_table(rows: Sequence[dict[str, Any]], header: bool = True) -> None:
    """One line per size: wall time and memory against targets, prize against the baseline."""
    if header:
        print(
            f"{'streets':>8} {'crews':>5} {'budget':>7} {'wall s':>7} {'target':>7} {'peak MB':>8} "
            f"{'visits':>6} {'prize':>10} {'share':>6} {'10x prize':>10} {'vs 10x':>7} {'subs':>5} "
            f"{'matrix s':>8} {'graph s':>7} {'graph MB':>8} {'nodes':>7} {'straight':>8} "
            f"{'policy s':>8} {'1-day s':>7} {'outlook s':>9} ok"
        )
    for row in rows:
        share = row["prize_collected"] / row["prize_available"] if row["prize_available"] else 0.0
        baseline = row.get("baseline_prize")
        print(
            f"{row['streets']:>8} {row['crews']:>5} {row['budget_s']:>7.1f} {row['wall_s']:>7.2f} "
            f"{row['target_s'] or 0:>7.0f} {row['peak_rss_mb']:>8.0f} {row['visits']:>6} "
            f"{row['prize_collected']:>10.0f} {share:>6.1%} "
            f"{baseline if baseline is not None else float('nan'):>10.0f} "
            f"{row.get('prize_vs_baseline', float('nan')):>7.1%} {row['subproblems']:>5} "
            f"{row['matrix_seconds']:>8.2f} {row['graph_seconds']:>7.2f} {row['graph_mb']:>8.1f} "
            f"{row['graph_nodes']:>7} {row['straight_line_stops']:>8} "
            f"{row['policy_s']:>8.2f} {row['policy_today_only_s']:>7.2f} {row['outlook_s']:>9.2f} "
            f"{'yes' if row['meets_target'] else 'NO'}",
            flush=True,
        )


def run_replan_urgent_bench(
    streets: int = 1000, crews: int = 10, urgent: int = 20, budget_s: float = 5.0, seed: int = 1
) -> dict[str, int]:
    """Re-plan after ``urgent`` new reports: how many get in, warm (with/without repair) vs cold.

    The urgent streets get a prize of twice the median: worth doing, but not so
    large that any search would find them.
    """
    candidates, crew_list = generate_city(streets, crews, seed)
    first = plan_day(candidates, crew_list, stop=SolverStop.after_seconds(budget_s), seed=seed)
    rng = random.Random(seed + 1)
    prizes = sorted(c.prize for c in candidates)
    median = prizes[len(prizes) // 2]
    new_work = [
        StreetCandidate(
            id=f"urgent-{k}",
            district=pick.district,
            lat=pick.lat + rng.uniform(-0.001, 0.001),
            lon=pick.lon + rng.uniform(-0.001, 0.001),
            length_m=150.0,
            prize=2.0 * median,
            reason="3 reports since yesterday; expected level C",
        )
        for k, pick in enumerate(rng.sample(candidates, urgent))
    ]
    updated = candidates + new_work
    urgent_ids = {c.id for c in new_work}

    def served(plan: DayPlan) -> int:
        return len(urgent_ids & plan.planned_candidate_ids())

    def warm(repair: bool) -> DayPlan:
        return plan_day(
            updated,
            crew_list,
            previous_plan=first,
            stop=SolverStop.after_seconds(budget_s),
            seed=seed,
            repair_warm_start=repair,
        )

    results = {
        "urgent": urgent,
        "warm_with_repair": served(warm(True)),
        "warm_without_repair": served(warm(False)),
        "cold": served(plan_day(updated, crew_list, stop=SolverStop.after_seconds(budget_s), seed=seed)),
    }
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m streetcare.bench.planner [--quick]``: the table, then the re-plan check."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--quick" in args:
        run_planner_bench(sizes=((300, 3), (3000, 20)), baseline_factor=3.0)
    else:
        run_planner_bench()
    print("re-plan with 20 urgent streets (served of 20):", run_replan_urgent_bench(), flush=True)


if __name__ == "__main__":
    main()
