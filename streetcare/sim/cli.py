"""`streetcare simulate`: options and the run (wired from streetcare/cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .policies import crew_templates
from .report import comparison, plot, policy_figures
from .runner import POLICIES, deterministic_solver, run_policy
from .truth import build_world, load_city, load_scenario, without_volunteers


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=90, help="measured days (default 90)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every random draw and of the solver")
    parser.add_argument(
        "--policies",
        default="fixed,adaptive,oracle",
        help=f"comma-separated, from {', '.join(POLICIES)} (default fixed,adaptive,oracle)",
    )
    parser.add_argument("--scenario", help="scenario YAML (default: the shipped demo.yaml; a shipped name works too)")
    parser.add_argument("--streets", type=int, help="a generated city of N streets instead of the scenario's city")
    parser.add_argument("--city", help="a GeoJSON or .osm.pbf file of streets instead of the scenario's city")
    parser.add_argument("--history-days", type=int, help="days of rota before the measured days (scenario's default)")
    parser.add_argument(
        "--effort-level", type=float, help="adaptive: value of avoided shortfall per crew-second (default 1.0)"
    )
    parser.add_argument("--solver-iterations", type=int, help="PyVRP iterations per sub-problem (scenario's default)")
    parser.add_argument("--json", dest="json_path", help="write the figures as JSON here")
    parser.add_argument("--plot", dest="plot_path", help="write the plots as PNG here")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


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
    """Run the policies on the same world; return the JSON-ready summary."""
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

        bar = tqdm(total=len(policies) * world.days, desc="simulating", unit="day", file=sys.stderr)
    figures: dict[str, Any] = {}
    try:
        stop = deterministic_solver(int(solver["iterations"]), int(solver["no_improvement"]))
        for name in policies:
            if bar is not None:
                bar.set_postfix_str(name)
            run_world = without_volunteers(world) if name == "adaptive-no-volunteers" else world
            update = bar.update if bar is not None else None
            result = run_policy(name, run_world, crews, scenario, seed, update, stop=stop)
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
        "comparison": comparison(figures),
    }


def run_simulation(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(args.scenario)
    except (OSError, ValueError) as exc:
        print(f"error: scenario: {exc}", file=sys.stderr)
        return 2
    if args.history_days is not None:
        scenario["history_days"] = args.history_days
    if args.effort_level is not None:
        scenario["adaptive"] = {**scenario["adaptive"], "effort_level": args.effort_level}
    if args.solver_iterations is not None:
        scenario["solver"] = {**scenario["solver"], "iterations": args.solver_iterations}
    policies = [p.strip() for p in str(args.policies).split(",") if p.strip()]
    started = time.perf_counter()
    try:
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
    text = json.dumps(summary, indent=2)
    if args.json_path:
        Path(args.json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_path).write_text(text + "\n")
    if args.plot_path:
        plot(args.plot_path, summary)
    print(f"{summary['scenario']}: {summary['city']['streets']} streets, {args.days} days, seed {args.seed}")
    print(f"{'policy':<24}{'crew hours':>12}{'at target':>11}{'C or D':>9}{'dirty wait':>12}")
    for name, figures in summary["policies"].items():
        print(
            f"{name:<24}{figures['crew_hours']:>12.1f}{figures['share_at_or_above_target']:>11.3f}"
            f"{figures['share_c_or_d']:>9.3f}{figures['mean_days_dirty_street_waits']:>11.1f}d"
        )
    for key, value in summary["comparison"].items():
        print(f"  {key}: {value}")
    print(f"wall time {elapsed:.1f} s", file=sys.stderr)
    if not args.json_path and not args.plot_path:
        pass
    return 0
