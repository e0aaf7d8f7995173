"""`streetcare simulate`: options and the run (wired from streetcare/cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .frontier import FRONTIER_POLICIES, run_frontier
from .options import POLICIES, RENAMED
from .policies import crew_templates
from .report import plot_frontier, plot_single, policy_figures, print_frontier, print_single
from .runner import Simulation, default_knob, deterministic_solver, run_policy
from .truth import build_world, load_city, load_scenario, without_volunteers


def simulate(
    scenario: dict[str, Any],
    days: int,
    seed: int,
    policies: list[str],
    *,
    city: str | None = None,
    streets: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the policies at their default settings on the same world; return the JSON-ready summary."""
    policies = [RENAMED.get(name, name) for name in policies]
    for name in policies:
        if name not in POLICIES:
            raise ValueError(f"unknown policy {name!r} (choose from {', '.join(POLICIES)})")
    city_streets = load_city(scenario, seed, city, streets)
    if not city_streets:
        raise ValueError("the city has no streets")
    world = build_world(city_streets, scenario, days, seed)
    crews = crew_templates(scenario["crews"], city_streets)
    solver = scenario["solver"]
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(policies) * days, desc="simulating", unit="day", file=sys.stderr)
    figures: dict[str, Any] = {}
    try:
        stop = deterministic_solver(int(solver["iterations"]), int(solver["no_improvement"]))
        start = Simulation(world, crews, seed, stop)
        start.run_history()
        alone = None
        for name in policies:
            if bar is not None:
                bar.set_postfix_str(name)
            if name == "adaptive-no-volunteers":
                alone = alone or Simulation(without_volunteers(world), crews, seed, stop)
                origin, run_world = alone, alone.world
            else:
                origin, run_world = start, world
            result = run_policy(name, origin, scenario, progress=bar.update if bar is not None else None)
            figures[name] = policy_figures(result, run_world)
    finally:
        if bar is not None:
            bar.close()
    return {
        "scenario": scenario.get("name", ""),
        "seed": seed,
        "days": days,
        "history_days": world.history_days,
        "city": {
            "streets": len(city_streets),
            "km": round(sum(s.length_m for s in city_streets) / 1000.0, 2),
            "districts": len(world.districts),
            "adopted_streets": len({v.street for v in world.volunteers}),
            "crews": [c.id for c in crews],
        },
        "target": str(world.target),
        "policies": figures,
        "note": "each policy at one setting, at unequal cleanliness: savings are stated only by --frontier",
    }


def _scenario(args: argparse.Namespace) -> dict[str, Any]:
    scenario = load_scenario(args.scenario)
    if args.history_days is not None:
        scenario["history_days"] = args.history_days
    if args.effort_level is not None:
        scenario["adaptive"] = {**scenario.get("adaptive", {}), "effort_level": args.effort_level}
    if args.solver_iterations is not None:
        scenario["solver"] = {**scenario["solver"], "iterations": args.solver_iterations}
        solver = scenario["frontier"].get("solver", {})
        scenario["frontier"] = {**scenario["frontier"], "solver": {**solver, "iterations": args.solver_iterations}}
    if args.frontier and args.response_only:
        # every setting runs from the same copy of the history: these runs are the frontier's own
        defaults = {p: [default_knob(p, scenario)] for p in FRONTIER_POLICIES}
        scenario["frontier"] = {**scenario["frontier"], **defaults}
    return scenario


def run_simulation(args: argparse.Namespace) -> int:
    try:
        scenario = _scenario(args)
    except (OSError, ValueError) as exc:
        print(f"error: scenario: {exc}", file=sys.stderr)
        return 2
    if args.days < 1 or (args.frontier and args.seeds < 1):
        print("error: --days and --seeds must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        if args.frontier:
            seeds = list(range(args.seed, args.seed + args.seeds))
            summary = run_frontier(
                scenario,
                args.days,
                seeds,
                workers=args.workers,
                progress=not args.no_progress,
                city=args.city,
                streets=args.streets,
            )
        else:
            policies = [p.strip() for p in str(args.policies).split(",") if p.strip()]
            summary = simulate(
                scenario,
                args.days,
                args.seed,
                policies,
                city=args.city,
                streets=args.streets,
                progress=not args.no_progress,
            )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(json.dumps(summary, indent=2) + "\n")
    if args.plot_path:
        (plot_frontier if args.frontier else plot_single)(args.plot_path, summary)
    (print_frontier if args.frontier else print_single)(summary)
    print(f"wall time {elapsed:.1f} s", file=sys.stderr)
    return 0
