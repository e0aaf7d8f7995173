"""The frontier: crew hours against cleanliness per policy, and the comparison at equal cleanliness.

Each policy runs at several settings of its one knob (rota and rota+reactive: frequency
multiplier; adaptive: its effort level; bound: its slack) on the same worlds (one per seed). The
reference is the rota's km-weighted cleanliness at its contract setting (×1.0); each policy's crew
hours at that cleanliness are read off its frontier by monotone interpolation: piecewise linear
through its *efficient* points (no other point of the policy is at least as clean for fewer hours),
so hours never fall as cleanliness rises. A reference outside a frontier's range is reported as
such, never extrapolated. The runs (seed × policy × knob) go to parallel processes; each seed's
history is run once and every run of the seed continues from a copy of it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import queue
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from .metrics import cleanliness, response, summarise_response
from .options import default_workers
from .policies import crew_templates
from .runner import Simulation, default_knob, deterministic_solver, run_policy
from .truth import build_world, load_city

FRONTIER_POLICIES = ("rota", "rota+reactive", "adaptive", "bound")
REFERENCE_POLICY = "rota"
CONTRACT_SETTING = 1.0
RATIOS = {
    "adaptive_vs_rota": ("adaptive", "rota"),
    "adaptive_vs_rota_reactive": ("adaptive", "rota+reactive"),
    "adaptive_vs_bound": ("adaptive", "bound"),
}


@dataclass(frozen=True)
class Reading:
    """A policy's hours at the reference cleanliness, or why there is none."""

    hours: float | None
    status: str
    """``interpolated``, ``above`` (reference cleaner than any point) or ``below`` (less clean than any)."""
    note: str = ""


def efficient_points(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The (cleanliness, hours) points no other point beats: cleanest first, then ascending order."""
    ordered = sorted(points, key=lambda p: (-p[0], p[1]))
    kept: list[tuple[float, float]] = []
    for clean, hours in ordered:
        if not kept or hours < kept[-1][1]:
            kept.append((clean, hours))
    return sorted(kept)


def hours_at(points: Sequence[tuple[float, float]], reference: float) -> Reading:
    """Hours the policy needs for ``reference`` cleanliness on its frontier (monotone, no extrapolation)."""
    if not points:
        return Reading(None, "empty", "no points")
    front = efficient_points(points)
    cleanest, least = front[-1], front[0]
    if reference > cleanest[0]:
        return Reading(
            None,
            "above",
            f"reference {reference:.4f} is cleaner than this frontier reaches "
            f"({cleanest[0]:.4f} at {cleanest[1]:.1f} h)",
        )
    if reference < least[0]:
        return Reading(
            None,
            "below",
            f"reference {reference:.4f} is below this frontier's least clean point "
            f"({least[0]:.4f} at {least[1]:.1f} h): it needs at most that, how much less is not measured",
        )
    for (c0, h0), (c1, h1) in itertools.pairwise(front):
        if c0 <= reference <= c1:
            share = 0.0 if c1 == c0 else (reference - c0) / (c1 - c0)
            return Reading(h0 + share * (h1 - h0), "interpolated")
    return Reading(front[-1][1], "interpolated")  # a one-point frontier exactly at the reference


def compare_at_equal_cleanliness(frontier: dict[str, list[dict[str, Any]]], key: str = "crew_hours") -> dict[str, Any]:
    """One seed's comparison: the reference, each policy's hours there, the ratios, what is out of range."""
    contract = [p for p in frontier.get(REFERENCE_POLICY, []) if p["knob"] == CONTRACT_SETTING]
    if not contract:
        raise ValueError(f"the frontier needs the {REFERENCE_POLICY} at ×{CONTRACT_SETTING} as its reference")
    reference = float(contract[0]["clean_share_km"])
    hours: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for policy, points in frontier.items():
        if policy == REFERENCE_POLICY:
            hours[policy] = float(contract[0][key])
            continue
        reading = hours_at([(p["clean_share_km"], p[key]) for p in points], reference)
        hours[policy] = reading.hours
        if reading.note:
            notes[policy] = reading.note
    ratios: dict[str, float | None] = {}
    for name, (numerator, denominator) in RATIOS.items():
        top, bottom = hours.get(numerator), hours.get(denominator)
        ratios[name] = None if top is None or not bottom else top / bottom
    return {"reference_clean_share_km": reference, key: hours, **ratios, "outside_frontier": notes}


# --- running ---------------------------------------------------------------------
#
# The work is (seed, policy, knob) runs, each a few seconds: the history of a seed is run once,
# in one process, and every run of that seed continues from a pickled copy of it. Runs are
# independent and deterministic (the solver stops on an iteration count), so the summary does
# not depend on how many processes run them or in which order they finish.


@dataclass(frozen=True)
class Run:
    """One point of the frontier: a seed, a policy, one setting of its knob."""

    seed: int
    policy: str
    knob: float


@dataclass(frozen=True)
class Setup:
    """What every run of a frontier shares: the scenario, the measured days, the city."""

    scenario: dict[str, Any]
    days: int
    city: str | None = None
    streets: int | None = None


def frontier_runs(scenario: dict[str, Any], seeds: Sequence[int]) -> list[Run]:
    """Every (seed, policy, knob) of the frontier; each policy's default setting is always among them."""
    knobs = scenario["frontier"]
    runs: list[Run] = []
    for seed in seeds:
        for policy in FRONTIER_POLICIES:
            settings = tuple(float(k) for k in knobs[policy])
            if not settings:
                raise ValueError(f"frontier: no settings for {policy}")
            if default_knob(policy, scenario) not in settings:
                settings = tuple(sorted((*settings, default_knob(policy, scenario))))
            runs.extend(Run(seed, policy, knob) for knob in settings)
    return runs


def history(setup: Setup, seed: int, progress: Callable[[], None] | None = None) -> Simulation:
    """The seed's world and its history days (the contract rota), from which every run continues."""
    scenario = setup.scenario
    city = load_city(scenario, seed, setup.city, setup.streets)
    world = build_world(city, scenario, setup.days, seed)
    crews = crew_templates(scenario["crews"], city)
    solver = scenario["frontier"].get("solver", scenario["solver"])
    stop = deterministic_solver(int(solver["iterations"]), int(solver["no_improvement"]))
    start = Simulation(world, crews, seed, stop)
    start.run_history(progress)
    return start


def run_point(setup: Setup, start: Simulation, run: Run, progress: Callable[[], None] | None = None) -> dict[str, Any]:
    """One run from a copy of the seed's history: its cleanliness, crew hours and response."""
    world = start.world
    result = run_policy(run.policy, start, setup.scenario, run.knob, progress=progress)
    point = cleanliness(result, world)
    point["response"] = response(result, world)
    lengths = np.array([s.length_m for s in world.streets])
    point["daily_clean_share_km"] = [
        round(float(x), 4) for x in (result.at_target * lengths).sum(axis=1) / lengths.sum()
    ]
    return point


# in a worker process: where it reports each simulated day (set by the pool's initializer)
_DAYS: Any = None


def _init_worker(days: Any) -> None:
    global _DAYS
    _DAYS = days


def _day_done() -> None:
    if _DAYS is not None:
        _DAYS.put(1)


def _history_in_worker(setup: Setup, seed: int) -> bytes:
    return pickle.dumps(history(setup, seed, _day_done), protocol=pickle.HIGHEST_PROTOCOL)


def _point_in_worker(setup: Setup, start: bytes, run: Run) -> dict[str, Any]:
    # the bytes are this run's own history, pickled by a worker of the same pool
    return run_point(setup, pickle.loads(start), run, _day_done)  # noqa: S301


def _longest_first(runs: Sequence[Run]) -> list[Run]:
    """More effort (a higher knob) means more visits to route: start those first."""
    return sorted(runs, key=lambda r: (-r.knob, r.policy))


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    interactive = sys.stderr.isatty()
    return tqdm(
        total=total,
        desc="frontier",
        unit="day",
        file=sys.stderr,
        mininterval=0.5 if interactive else 30.0,
        smoothing=0.05,
    )


def run_frontier(
    scenario: dict[str, Any],
    days: int,
    seeds: Sequence[int],
    *,
    workers: int | None = None,
    progress: bool = True,
    city: str | None = None,
    streets: int | None = None,
) -> dict[str, Any]:
    """Every (seed, policy, knob) run, in ``workers`` processes (default: the CPU count); the
    summary is the same for any number of workers. The progress bar counts simulated days."""
    setup = Setup(scenario, days, city, streets)
    runs = frontier_runs(scenario, seeds)
    workers = default_workers() if workers is None else max(1, workers)
    history_days = int(scenario.get("history_days", 0))
    bar = _progress_bar(len(seeds) * history_days + len(runs) * days, progress)
    tick = None if bar is None else (lambda: bar.update(1))
    points: dict[Run, dict[str, Any]] = {}
    try:
        if workers == 1:
            for seed in seeds:
                start = history(setup, seed, tick)
                for run in (r for r in runs if r.seed == seed):
                    if bar is not None:
                        bar.set_postfix_str(f"seed {run.seed} {run.policy} {run.knob:g}")
                    points[run] = run_point(setup, start, run, tick)
        else:
            points = _run_in_processes(setup, seeds, runs, workers, bar)
    finally:
        if bar is not None:
            bar.close()
    by_seed: dict[int, dict[str, list[dict[str, Any]]]] = {seed: {} for seed in seeds}
    for run in runs:  # the runs' own order: knobs ascending per policy, whatever finished first
        by_seed[run.seed].setdefault(run.policy, []).append(points[run])
    return summarise(scenario, days, seeds, by_seed)


def _run_in_processes(
    setup: Setup, seeds: Sequence[int], runs: Sequence[Run], workers: int, bar: Any
) -> dict[Run, dict[str, Any]]:
    context = multiprocessing.get_context()
    days_done = context.Queue() if bar is not None else None
    points: dict[Run, dict[str, Any]] = {}
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(days_done,)
    ) as pool:
        pending: dict[Future[Any], tuple[str, Any]] = {
            pool.submit(_history_in_worker, setup, seed): ("history", seed) for seed in seeds
        }
        while pending:
            done, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            if days_done is not None:
                _drain(days_done, bar)
            for future in done:
                kind, key = pending.pop(future)
                if kind == "history":
                    start = future.result()
                    for run in _longest_first([r for r in runs if r.seed == key]):
                        pending[pool.submit(_point_in_worker, setup, start, run)] = ("run", run)
                else:
                    points[key] = future.result()
                    if bar is not None:
                        bar.set_postfix_str(f"{len(points)}/{len(runs)} runs", refresh=False)
    if days_done is not None:
        _drain(days_done, bar)  # the workers have exited: every day they counted is in the queue
    return points


def _drain(days_done: Any, bar: Any) -> None:
    count = 0
    while True:
        try:
            count += days_done.get_nowait()
        except queue.Empty:
            break
    if count:
        bar.update(count)


def _median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 4) if values else None


def _spread(values: list[float | None]) -> dict[str, Any]:
    present = [v for v in values if v is not None]
    return {
        "median": _median(present),
        "min": round(min(present), 4) if present else None,
        "max": round(max(present), 4) if present else None,
        "seeds_with_a_value": len(present),
        "per_seed": [None if v is None else round(v, 4) for v in values],
    }


POINT_KEYS = ("crew_hours", "route_hours", "clean_share_km", "share_d_km", "floor_share")


def summarise(
    scenario: dict[str, Any], days: int, seeds: Sequence[int], by_seed: dict[int, dict[str, list[dict[str, Any]]]]
) -> dict[str, Any]:
    """The JSON: median frontier per knob, every point per seed, the comparison, the response."""
    policies = [p for p in FRONTIER_POLICIES if all(p in by_seed[s] for s in seeds)]
    frontier: dict[str, list[dict[str, Any]]] = {}
    for policy in policies:
        knobs = [p["knob"] for p in by_seed[seeds[0]][policy]]
        rows = []
        for k, knob in enumerate(knobs):
            points = [by_seed[s][policy][k] for s in seeds]
            row: dict[str, Any] = {"knob": knob}
            for key in POINT_KEYS:
                row[key] = _median([float(p[key]) for p in points])
            row["crew_shifts"] = _median([float(p["crew_shifts"]) for p in points])
            row["streets_at_d_over_3_days"] = _median([float(p["streets_at_d_over_3_days"]) for p in points])
            row["dirty_wait_days_p90"] = _median([float(p["dirty_wait_days"]["p90"]) for p in points])
            row["at_crew_cap_seeds"] = sum(bool(p["at_crew_cap"]) for p in points)
            rows.append(row)
        frontier[policy] = rows
    per_seed = []
    comparisons = []
    route_comparisons = []
    for seed in seeds:
        seed_frontier = {p: [_without_series(point) for point in by_seed[seed][p]] for p in policies}
        comparison = compare_at_equal_cleanliness(seed_frontier)
        route = compare_at_equal_cleanliness(seed_frontier, key="route_hours")
        comparisons.append(comparison)
        route_comparisons.append(route)
        per_seed.append(
            {"seed": seed, "frontier": seed_frontier, "at_equal_cleanliness": comparison, "route_hours": route}
        )
    at_equal: dict[str, Any] = {
        "reference": f"{REFERENCE_POLICY} at ×{CONTRACT_SETTING}",
        "reference_clean_share_km": _median([c["reference_clean_share_km"] for c in comparisons]),
        "crew_hours": {p: _spread([c["crew_hours"][p] for c in comparisons])["median"] for p in policies},
        "route_hours": {p: _spread([c["route_hours"][p] for c in route_comparisons])["median"] for p in policies},
    }
    for name in RATIOS:
        at_equal[name] = _spread([c[name] for c in comparisons])["median"]
    at_equal["spread"] = {
        "reference_clean_share_km": _spread([c["reference_clean_share_km"] for c in comparisons]),
        **{f"crew_hours.{p}": _spread([c["crew_hours"][p] for c in comparisons]) for p in policies},
        **{name: _spread([c[name] for c in comparisons]) for name in RATIOS},
        **{f"route_hours.{p}": _spread([c["route_hours"][p] for c in route_comparisons]) for p in policies},
        **{f"route_hours.{name}": _spread([c[name] for c in route_comparisons]) for name in RATIOS},
    }
    at_equal["outside_frontier"] = {
        str(seed): c["outside_frontier"] for seed, c in zip(seeds, comparisons, strict=True) if c["outside_frontier"]
    }
    at_equal["policies_at_crew_cap"] = sorted(
        {
            f"{p} knob {point['knob']}"
            for seed in seeds
            for p in policies
            for point in by_seed[seed][p]
            if point["at_crew_cap"]
        }
    )
    at_default = {
        p: [pt for seed in seeds for pt in by_seed[seed][p] if pt["knob"] == default_knob(p, scenario)]
        for p in policies
    }
    responses = {p: summarise_response([pt["response"] for pt in at_default[p]]) for p in policies}
    travel_per_visit = {
        p: _median([float(pt["travel_s_per_visit"]) for pt in at_default[p] if pt.get("travel_s_per_visit")])
        for p in policies
    }
    daily: dict[str, dict[str, list[float]]] = {}
    for p in policies:
        daily[p] = {
            key: _daily_median([pt["response"]["daily"][key] for pt in at_default[p]])
            for key in ("stopped_share_at_target", "joined_share_at_target")
        }
        daily[p]["clean_share_km"] = _daily_median([pt["daily_clean_share_km"] for pt in at_default[p]])
    events = list(scenario.get("events") or [])
    summary: dict[str, Any] = {
        "scenario": scenario.get("name", ""),
        "seeds": list(seeds),
        "days": days,
        "history_days": int(scenario.get("history_days", 0)),
        "knobs": {p: [row["knob"] for row in frontier[p]] for p in policies},
        "frontier": frontier,
        "at_equal_cleanliness": at_equal,
        "per_seed": per_seed,
        "daily_at_default_setting": daily,
        "travel_s_per_visit_at_default_setting": travel_per_visit,
        "response_by_policy": responses,
    }
    if events:
        summary["events"] = events
        summary["response"] = responses.get("adaptive", {})
    return summary


def _without_series(point: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in point.items() if k not in ("response", "daily_clean_share_km")}


def _daily_median(series: list[list[float]]) -> list[float]:
    series = [s for s in series if s]
    if not series:
        return []
    length = min(len(s) for s in series)
    return [round(float(x), 4) for x in np.median(np.array([s[:length] for s in series]), axis=0)]
