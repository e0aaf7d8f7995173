"""The frontier: crew hours against cleanliness per policy, and the comparison at equal cleanliness.

Each policy runs at several settings of its one knob (rota and rota+reactive: frequency
multiplier; adaptive: its effort level; bound: its slack) on the same worlds (one per seed). The
reference is the rota's km-weighted cleanliness at its contract setting (×1.0); each policy's crew
hours at that cleanliness are read off its frontier by monotone interpolation: piecewise linear
through its *efficient* points (no other point of the policy is at least as clean for fewer hours),
so hours never fall as cleanliness rises. A reference outside a frontier's range is reported as
such, never extrapolated. Seeds run in parallel processes; each (seed, policy) task runs the
shared history once and every knob from a copy of it.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from .metrics import cleanliness, response, summarise_response
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


@dataclass(frozen=True)
class Task:
    scenario: dict[str, Any]
    days: int
    seed: int
    policy: str
    knobs: tuple[float, ...]
    city: str | None = None
    streets: int | None = None


def run_task(task: Task) -> tuple[int, str, list[dict[str, Any]]]:
    """One seed, one policy, every knob: the history once, each knob from a copy of it."""
    scenario = task.scenario
    city = load_city(scenario, task.seed, task.city, task.streets)
    world = build_world(city, scenario, task.days, task.seed)
    crews = crew_templates(scenario["crews"], city)
    solver = scenario["frontier"].get("solver", scenario["solver"])
    points = []
    stop = deterministic_solver(int(solver["iterations"]), int(solver["no_improvement"]))
    start = Simulation(world, crews, task.seed, stop)
    start.run_history()
    for knob in task.knobs:
        result = run_policy(task.policy, start, scenario, knob)
        point = cleanliness(result, world)
        point["response"] = response(result, world)
        point["daily_clean_share_km"] = [
            round(float(x), 4)
            for x in (result.at_target * np.array([s.length_m for s in city])).sum(axis=1)
            / sum(s.length_m for s in city)
        ]
        points.append(point)
    return task.seed, task.policy, points


def frontier_tasks(
    scenario: dict[str, Any], days: int, seeds: Sequence[int], city: str | None = None, streets: int | None = None
) -> list[Task]:
    knobs = scenario["frontier"]
    tasks = []
    for seed in seeds:
        for policy in FRONTIER_POLICIES:
            settings = tuple(float(k) for k in knobs[policy])
            if not settings:
                raise ValueError(f"frontier: no settings for {policy}")
            if default_knob(policy, scenario) not in settings:
                settings = tuple(sorted((*settings, default_knob(policy, scenario))))
            tasks.append(Task(scenario, days, seed, policy, settings, city, streets))
    return tasks


def run_frontier(
    scenario: dict[str, Any],
    days: int,
    seeds: Sequence[int],
    *,
    workers: int = 2,
    progress: bool = True,
    city: str | None = None,
    streets: int | None = None,
) -> dict[str, Any]:
    """Every (seed, policy) task, in ``workers`` processes; the summary is independent of their order."""
    tasks = frontier_tasks(scenario, days, seeds, city, streets)
    # the longest first: more knobs and more frequent rotas take longer
    tasks.sort(key=lambda t: (-len(t.knobs), t.policy, t.seed))
    by_seed: dict[int, dict[str, list[dict[str, Any]]]] = {seed: {} for seed in seeds}
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=sum(len(t.knobs) for t in tasks), desc="frontier", unit="run", file=sys.stderr)
    try:
        if workers <= 1:
            for task in tasks:
                seed, policy, points = run_task(task)
                by_seed[seed][policy] = points
                if bar is not None:
                    bar.update(len(points))
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(run_task, task) for task in tasks]
                for future in as_completed(futures):
                    seed, policy, points = future.result()
                    by_seed[seed][policy] = points
                    if bar is not None:
                        bar.set_postfix_str(f"seed {seed} {policy}")
                        bar.update(len(points))
    finally:
        if bar is not None:
            bar.close()
    return summarise(scenario, days, seeds, by_seed)


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
