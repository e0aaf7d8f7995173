"""`streetcare bench planner|ingest|consume|replan|all`: each prints its figures beside a baseline."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from streetcare.progress import Progress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "which",
        nargs="?",
        default="all",
        choices=["planner", "ingest", "consume", "replan", "all"],
        help=(
            "which benchmark: the planner on generated cities, report and pick POSTs beside a bare insert "
            "(SQLite, and PostgreSQL when one answers), scheduling's event consumer in batches beside one "
            "event at a time, re-plan after a burst"
        ),
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="ingest: seconds per target per round")
    parser.add_argument("--concurrency", type=int, default=32, help="ingest: concurrent clients")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="ingest, consume, and planner with --workers: rounds, interleaved (medians are quoted: 3 or more)",
    )
    parser.add_argument(
        "--transport", default="aiohttp", choices=["aiohttp", "httpx"], help="ingest: the gateway's upstream transport"
    )
    databases = parser.add_mutually_exclusive_group()
    databases.add_argument(
        "--postgres",
        action="store_true",
        default=None,
        help="ingest, consume: PostgreSQL as well as SQLite, and fail when none answers (by default: when one answers)",
    )
    databases.add_argument(
        "--sqlite-only",
        dest="postgres",
        action="store_false",
        default=None,
        help="ingest, consume: SQLite only, even when PostgreSQL answers",
    )
    parser.add_argument(
        "--web-workers",
        type=int,
        default=2,
        help="ingest: also POST straight to a second reports and volunteers service run with this many "
        "uvicorn workers on the same database (1: leave that out)",
    )
    parser.add_argument("--events", type=int, default=600, help="consume: events per mode per round")
    parser.add_argument("--sizes", default="300:3,3000:20,20000:80", help="planner: streets:crews,…")
    parser.add_argument(
        "--straight-lines", action="store_true", help="planner: travel on straight lines, no road network"
    )
    parser.add_argument(
        "--workers",
        help=(
            "planner: instead of the 10× baseline, plan each size in-process and through the Celery group with "
            "these counts of planner worker processes on a private Redis (e.g. 1,2), --rounds rounds interleaved; "
            "wall time and prize side by side, medians and ratios"
        ),
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")


def _unwind(signum: int, _frame: Any) -> None:
    """Ctrl-C or SIGTERM: unwind through each benchmark's `finally`, which stops every process it
    started (the stack runs in a session of its own, so no signal reaches it by itself). Further
    signals are ignored so they cannot cut that clean-up short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    sys.exit(128 + signum)


def run_bench(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGINT, _unwind)
    signal.signal(signal.SIGTERM, _unwind)
    figures: dict[str, Any] = {}
    progress = Progress()  # on stderr: the figures go to stdout
    if args.which in ("planner", "all"):
        from streetcare.bench.planner import (
            print_table,
            print_workers_table,
            run_planner_bench,
            run_workers_bench,
            sizes_json,
            workers_summary,
        )

        sizes = tuple(tuple(int(x) for x in pair.split(":")) for pair in args.sizes.split(","))
        if args.workers:
            counts = [int(count) for count in args.workers.split(",")]
            runs = run_workers_bench(
                sizes=sizes,  # type: ignore[arg-type]
                workers=counts,
                rounds=args.rounds,
                roads=not args.straight_lines,
                progress=progress,
            )
            summary = workers_summary(runs)
            print()
            print_workers_table(summary)
            figures["planner_workers"] = {"runs": runs, "medians": summary}
        else:
            rows = run_planner_bench(sizes=sizes, roads=not args.straight_lines, progress=progress)  # type: ignore[arg-type]
            print_table(rows)
            figures["planner"] = rows
            figures["sizes"] = sizes_json(rows)
    if args.which in ("ingest", "all"):
        from streetcare.bench.ingest import print_database, run_ingest_bench

        def report(kind: str, result: dict[str, Any]) -> None:
            print_database(kind, result, concurrency=args.concurrency, rounds=args.rounds, seconds=args.seconds)

        # {"databases": {"sqlite"|"postgresql": figures}, with the load's settings beside}
        figures.update(
            run_ingest_bench(
                seconds=args.seconds,
                concurrency=args.concurrency,
                rounds=args.rounds,
                transport=args.transport,
                postgres=args.postgres,
                web_workers=args.web_workers,
                report=report,
            )
        )
    if args.which in ("consume", "all"):
        from streetcare.bench.consume import print_consume, run_consume_bench
        from streetcare.bench.ingest import load_average

        before = load_average()
        consumed = run_consume_bench(events=args.events, rounds=args.rounds, postgres=args.postgres, progress=progress)
        print_consume(consumed, before, load_average())
        figures["consume"] = consumed
    if args.which in ("replan", "all"):
        from streetcare.bench.replan import print_replan, run_replan_bench

        result = run_replan_bench(progress=progress)
        print_replan(result)
        figures["replan"] = result
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0
