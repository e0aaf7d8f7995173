"""The API processes' outbox publisher (kernel.outbox.BackgroundPublisher) on a real database and a
real Redis: committed events reach their queues from the publisher's thread and their rows are
marked published; with the broker away they stay unpublished for the sweep, which sends them
once it is back; closing the process publishes what is still queued.

These run on a database of their own, not the rolled-back one of the other tests: the publisher
writes from its own thread, on its own connection, as it does in production."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from conftest import database_of_its_own, free_port, queued_envelopes
from kernel.bus import make_redis
from kernel.events import ReportFiled
from kernel.outbox import record_event
from kernel.runtime import ServiceRuntime
from services.reports.database import OutboxMessage
from services.reports.settings import ReportsSettings

QUEUE = "scheduling.events"  # report.filed's durable subscriber


@pytest.fixture
def own_database(tmp_path: Path, pg_admin_url: str | None, redis_url: str) -> Iterator[ReportsSettings]:
    redis = make_redis(redis_url)
    redis.delete(QUEUE)
    try:
        with database_of_its_own("reports", pg_admin_url, redis_url, tmp_path) as settings:
            yield settings
    finally:
        redis.delete(QUEUE)
        redis.close()


def _file(runtime: ServiceRuntime[Any], report_id: int) -> str:
    """One committed transaction with one report.filed event, as a report POST makes it."""
    with runtime.transaction() as session:
        data = ReportFiled(
            report_id=report_id, street_id=1, category="litter", severity=2, lat=60, lon=24, filed_at=datetime.now(UTC)
        )
        return record_event(session, OutboxMessage, "reports", "report.filed", data)


def _queued_ids(settings: ReportsSettings) -> list[str]:
    redis = make_redis(settings.redis_url)
    try:
        return [envelope["id"] for envelope in queued_envelopes(redis, QUEUE)]
    finally:
        redis.close()


def _rows(runtime: ServiceRuntime[Any]) -> dict[str, Any]:
    with runtime.session_factory() as session:
        return {row.id: row for row in session.scalars(select(OutboxMessage))}


def test_committed_events_are_published_from_the_publisher_thread_and_marked_once(
    own_database: ReportsSettings,
) -> None:
    runtime = ServiceRuntime.start("reports", own_database, OutboxMessage, publish_in_background=True)
    try:
        ids = [_file(runtime, number) for number in range(1, 61)]
        assert runtime.publisher is not None
        assert runtime.publisher.wait_idle(30), "the publisher did not finish"
        assert sorted(_queued_ids(own_database)) == sorted(ids), "not every committed event reached its queue once"
        rows = _rows(runtime)
        assert all(rows[event_id].published_at is not None for event_id in ids)
        assert {rows[event_id].attempts for event_id in ids} == {1}
        assert all(rows[event_id].confirmed_at is None for event_id in ids), "confirmed before scheduling said so"
    finally:
        runtime.close()


def test_with_the_broker_away_the_rows_wait_for_the_sweep_which_sends_them_once_it_is_back(
    own_database: ReportsSettings,
) -> None:
    away = own_database.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    runtime = ServiceRuntime.start("reports", away, OutboxMessage, publish_in_background=True)
    try:
        ids = [_file(runtime, number) for number in range(1, 6)]
        assert runtime.publisher is not None
        assert runtime.publisher.wait_idle(60)
        rows = _rows(runtime)
        assert all(rows[event_id].published_at is None for event_id in ids), "marked published without a broker"
    finally:
        runtime.close()
    assert _queued_ids(own_database) == []
    back = ServiceRuntime.start("reports", own_database, OutboxMessage)
    try:
        assert back.relay.sweep(older_than=timedelta(0)) == len(ids)
        assert sorted(_queued_ids(own_database)) == sorted(ids)
        assert all(row.published_at is not None for row in _rows(back).values())
    finally:
        back.close()


def test_closing_the_process_publishes_what_is_still_queued(own_database: ReportsSettings) -> None:
    runtime = ServiceRuntime.start("reports", own_database, OutboxMessage, publish_in_background=True)
    try:
        ids = [_file(runtime, number) for number in range(1, 21)]
    finally:
        runtime.close()  # no wait before: close drains the queue
    assert sorted(_queued_ids(own_database)) == sorted(ids)


def test_events_committed_while_the_publisher_lingers_leave_in_one_message(own_database: ReportsSettings) -> None:
    """The linger is what keeps the consumer ahead under load: one message per subscriber and
    batch, however many requests committed events meanwhile (a second is far longer than five
    commits take; the test asserts the grouping, not a speed)."""
    lingering = own_database.model_copy(update={"outbox_publish_linger_ms": 1000.0})
    runtime = ServiceRuntime.start("reports", lingering, OutboxMessage, publish_in_background=True)
    try:
        ids = [_file(runtime, number) for number in range(1, 6)]
        assert runtime.publisher is not None
        assert runtime.publisher.wait_idle(30)
    finally:
        runtime.close()
    redis = make_redis(own_database.redis_url)
    try:
        assert redis.llen(QUEUE) == 1, "the events went out in more than one message"
    finally:
        redis.close()
    assert sorted(_queued_ids(own_database)) == sorted(ids)
