"""`streetcare simulate`'s options: light on imports, so `streetcare --help` and every other
command start without loading the simulator (its run is in `streetcare.sim.cli`)."""

from __future__ import annotations

import argparse
import os

POLICIES = ("rota", "rota+reactive", "adaptive", "bound", "adaptive-no-volunteers")
RENAMED = {"fixed": "rota", "oracle": "bound"}
"""The names of the first simulator, still accepted."""


def default_workers() -> int:
    """The CPUs this process may use (the default ``--workers``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=90, help="measured days")
    parser.add_argument("--seed", type=int, default=1, help="seed of every random draw and of the solver (the first)")
    parser.add_argument(
        "--frontier", action="store_true", help="run every policy along its knob; compare at equal cleanliness"
    )
    parser.add_argument("--seeds", type=int, default=5, help="with --frontier: seeds --seed … --seed+N-1")
    parser.add_argument(
        "--response-only",
        action="store_true",
        help="with --frontier: each policy at its default setting only (the response figures, no frontier)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help=f"with --frontier: parallel processes (default: the CPU count, {default_workers()} here)",
    )
    parser.add_argument(
        "--policies",
        default="rota,adaptive,bound",
        help=f"without --frontier: comma-separated, from {', '.join(POLICIES)}",
    )
    parser.add_argument("--scenario", help="scenario YAML (default: the shipped demo.yaml; a shipped name works too)")
    parser.add_argument("--streets", type=int, help="a generated city of N streets instead of the scenario's city")
    parser.add_argument("--city", help="a GeoJSON or .osm.pbf file of streets instead of the scenario's city")
    parser.add_argument("--history-days", type=int, help="days of rota before the measured days (scenario's default)")
    parser.add_argument(
        "--effort-level",
        type=float,
        help="adaptive outside --frontier: value of avoided shortfall per crew-second (product default 1.0)",
    )
    parser.add_argument("--solver-iterations", type=int, help="PyVRP iterations per sub-problem (scenario's default)")
    parser.add_argument("--json", dest="json_path", help="write the figures as JSON here")
    parser.add_argument("--plot", dest="plot_path", help="write the plots as PNG here")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
