"""Event-consumer benchmark: how fast the scheduling service applies the events a busy city sends
(reports filed, picks logged on the demo city's streets), in process, on SQLite and PostgreSQL.

Baseline in the same run: the same consumer applying each event alone, in its own transaction,
as the workers did before events were taken in batches; rounds interleave the two, and medians
are quoted. Not counted: the broker's hop (the ingest benchmark measures report → street state
through the whole stack).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from kernel.consumer import Outcome
from kernel.events import PickLogged, ReportFiled, new_event
from kernel.logs import configure_logging
from streetcare.bench.ingest import databases_to_run
from streetcare.testing import TEST_SERVICE_TOKEN, TEST_TOKEN_SECRET, create_database, drop_database, private_redis
from workers.tasks import EVENT_BATCH_SIZE

MODES = ("alone", "batched")
PICK_SHARE = 0.3


def city_events(street_ids: list[int], count: int, rng: random.Random, first_id: int) -> list[dict[str, Any]]:
    """Reports and picks on random streets, as the reports and volunteers services publish them."""
    events = []
    now = datetime.now(UTC)
    for number in range(first_id, first_id + count):
        street_id = rng.choice(street_ids)
        if rng.random() < PICK_SHARE:
            pick = PickLogged(pick_id=number, street_ids=[street_id], picked_at=now, bags=1, minutes=30)
            events.append(new_event("pick.logged", "volunteers", pick).model_dump(mode="json"))
        else:
            report = ReportFiled(
                report_id=number,
                street_id=street_id,
                category="litter",
                severity=2,
                lat=52.0,
                lon=4.5,
                filed_at=now,
            )
            events.append(new_event("report.filed", "reports", report).model_dump(mode="json"))
    return events


def _apply(handlers: Any, mode: str, events: list[dict[str, Any]]) -> list[Outcome | Exception]:
    if mode == "alone":
        return [handlers.consume(event) for event in events]
    results: list[Outcome | Exception] = []
    for start in range(0, len(events), EVENT_BATCH_SIZE):
        results.extend(handlers.consume_many(events[start : start + EVENT_BATCH_SIZE]))
    return results


def _street_ids(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [int(row[0]) for row in connection.execute(text("SELECT id FROM streets ORDER BY id"))]
    finally:
        engine.dispose()


def _stored(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            reports = connection.execute(text("SELECT count(*) FROM street_reports")).scalar() or 0
            picks = connection.execute(text("SELECT count(DISTINCT pick_id) FROM street_picks")).scalar() or 0
            return int(reports) + int(picks)
    finally:
        engine.dispose()


def _run_database(admin_url: str | None, events: int, rounds: int, progress: Callable[[str], None]) -> dict[str, Any]:
    from services.scheduling import handlers as scheduling_handlers
    from services.scheduling.admin import load_demo_city, migrate
    from services.scheduling.settings import SchedulingSettings

    with private_redis() as redis_server, tempfile.TemporaryDirectory(prefix="streetcare-consume-") as workdir:
        url = create_database(admin_url, "scheduling", Path(workdir))
        settings = SchedulingSettings(
            database_url=url,
            REDIS_URL=redis_server.url,
            STREETCARE_TOKEN_SECRET=TEST_TOKEN_SECRET,
            STREETCARE_SERVICE_TOKEN=TEST_SERVICE_TOKEN,
            STREETCARE_LOG_LEVEL="WARNING",
        )
        handlers = scheduling_handlers.make_events(lambda: settings)
        try:
            migrate(settings)
            load_demo_city(settings)
            street_ids = _street_ids(url)
            rng = random.Random(1)
            next_id = 1
            sent = 0
            _apply(handlers, "alone", city_events(street_ids, 50, rng, next_id))  # warm: caches, connections
            next_id, sent = next_id + 50, sent + 50
            per_mode: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
            for round_number in range(rounds):
                for mode in MODES if round_number % 2 == 0 else tuple(reversed(MODES)):
                    batch = city_events(street_ids, events, rng, next_id)
                    next_id, sent = next_id + events, sent + events
                    wall, cpu = time.perf_counter(), time.process_time()
                    outcomes = _apply(handlers, mode, batch)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    failed = [o for o in outcomes if not isinstance(o, Outcome)]
                    if failed:
                        raise RuntimeError(f"{len(failed)} events did not apply ({mode}): {failed[0]!r}")
                    per_mode[mode].append({"events_per_s": events / wall, "cpu_ms_per_event": 1000 * cpu / events})
                    progress(f"round {round_number + 1}: {mode} {events / wall:.0f} events/s")
            stored = _stored(url)
        finally:
            handlers.close()
            drop_database(admin_url, url)
    medians = {
        mode: {key: round(statistics.median(r[key] for r in per_mode[mode]), 2) for key in per_mode[mode][0]}
        for mode in MODES
    }
    return {
        **medians,
        "rounds": {mode: per_mode[mode] for mode in MODES},
        "batched_vs_alone": round(medians["batched"]["events_per_s"] / medians["alone"]["events_per_s"], 2),
        "batch_size": EVENT_BATCH_SIZE,
        "events": sent,
        "missing": sent - stored,
    }


def run_consume_bench(
    *, events: int = 600, rounds: int = 3, postgres: bool | None = None, progress: Callable[[str], None]
) -> dict[str, Any]:
    """{"databases": {"sqlite"|"postgresql": {"alone"|"batched": {"events_per_s", "cpu_ms_per_event"},
    "batched_vs_alone", "events", "missing"}}}: medians of `rounds` interleaved rounds."""
    configure_logging("bench", "WARNING", json_output=False)  # one line per event would drown the figures
    databases: dict[str, Any] = {}
    for kind, admin_url in databases_to_run(postgres).items():
        progress(f"{kind}: {rounds} rounds of {events} events alone and in batches of {EVENT_BATCH_SIZE}")
        databases[kind] = _run_database(admin_url, events, rounds, progress)
    return {"databases": databases}


def print_consume(result: dict[str, Any], load_before: list[float], load_after: list[float]) -> None:
    print(f"event consumer (scheduling, in process; load average before {load_before}, after {load_after})")
    print(f"{'database':<12}{'alone ev/s':>12}{'batched ev/s':>14}{'ratio':>8}{'CPU ms alone':>14}{'batched':>9}")
    for kind, figures in result["databases"].items():
        alone, batched = figures["alone"], figures["batched"]
        print(
            f"{kind:<12}{alone['events_per_s']:>12.0f}{batched['events_per_s']:>14.0f}{figures['batched_vs_alone']:>8.2f}"
            f"{alone['cpu_ms_per_event']:>14.2f}{batched['cpu_ms_per_event']:>9.2f}"
        )
        print(f"{'':<12}{figures['events']} events sent, {figures['missing']} missing")
