"""The scheduling service's side of the event backbone, on real parts: its consumer applies an event
once, its outbox keeps events while Redis is down until the sweep sends them, and an event without
queue subscribers is settled when published."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import RedisProcess
from kernel.bus import make_redis
from kernel.consumer import Outcome
from kernel.events import PlanPublished, ReportFiled, new_event
from kernel.handlers import ServiceEventHandlers
from kernel.outbox import record_event
from services.scheduling import handlers as scheduling_handlers
from services.scheduling.admin import load_demo_city
from services.scheduling.database import OutboxMessage
from services.scheduling.state.models import StreetReport


def report_filed_event(street_id: int, report_id: int) -> dict[str, Any]:
    data = ReportFiled(
        report_id=report_id,
        street_id=street_id,
        category="litter",
        severity=2,
        lat=60.17,
        lon=24.94,
        filed_at=datetime.now(UTC),
    )
    return new_event("report.filed", "reports", data).model_dump(mode="json")


@pytest.fixture
def scheduling(migrated: dict[str, Any]) -> Iterator[ServiceEventHandlers]:
    settings = migrated["scheduling"]
    assert load_demo_city(settings) is not None
    handlers = ServiceEventHandlers(
        service="scheduling",
        settings_factory=lambda: settings,
        outbox_model=OutboxMessage,
        inbox_model=scheduling_handlers.events.inbox_model,
        handlers=scheduling_handlers.HANDLERS,
    )
    yield handlers
    handlers.close()


def test_same_event_twice_changes_state_once(scheduling: ServiceEventHandlers) -> None:
    event = report_filed_event(street_id=3, report_id=9001)
    assert scheduling.consume(event) is Outcome.APPLIED
    assert scheduling.consume(json.loads(json.dumps(event))) is Outcome.DUPLICATE
    with scheduling.runtime.session_factory() as session:
        count = session.scalar(select(func.count()).select_from(StreetReport).where(StreetReport.street_id == 3))
    assert count == 1


def test_two_events_for_the_same_street_both_apply(scheduling: ServiceEventHandlers) -> None:
    assert scheduling.consume(report_filed_event(4, 1)) is Outcome.APPLIED
    assert scheduling.consume(report_filed_event(4, 2)) is Outcome.APPLIED
    with scheduling.runtime.session_factory() as session:
        count = session.scalar(select(func.count()).select_from(StreetReport).where(StreetReport.street_id == 4))
    assert count == 2


def test_outbox_keeps_events_while_redis_is_down_and_the_sweep_sends_them(
    migrated: dict[str, Any], redis_server: RedisProcess
) -> None:
    """Commit with Redis stopped: the rows wait in the outbox; after Redis is back, the sweep sends them."""
    settings = migrated["scheduling"]
    redis_server.stop()
    try:
        result = load_demo_city(settings)
        assert result is not None and result.created > 0
    finally:
        redis_server.start()
    handlers = ServiceEventHandlers(
        "scheduling", lambda: settings, OutboxMessage, scheduling_handlers.events.inbox_model, {}
    )
    try:
        pending, _ = handlers.outbox_stats()
        assert pending == result.created
        sent = handlers.sweep_outbox(older_than_seconds=0)
        assert sent == result.created
        assert handlers.outbox_stats()[0] == 0
        redis = make_redis(settings.redis_url)
        assert redis.llen("reports.events") == result.created
        assert redis.llen("volunteers.events") == result.created
    finally:
        handlers.close()


def test_an_event_without_queue_subscribers_is_confirmed_when_published(migrated: dict[str, Any]) -> None:
    """plan.published goes only to the live pages: nobody will confirm it, so it is settled at once."""
    handlers = ServiceEventHandlers(
        "scheduling", lambda: migrated["scheduling"], OutboxMessage, scheduling_handlers.events.inbox_model, {}
    )
    try:
        runtime = handlers.runtime
        with runtime.transaction() as session:
            plan = PlanPublished(plan_date=date(2026, 12, 4), version=1, visits=0)
            event_id = record_event(session, OutboxMessage, "scheduling", "plan.published", plan)
        with runtime.session_factory() as session:
            row = session.get(OutboxMessage, event_id)
            assert row is not None and row.published_at is not None and row.confirmed_at is not None
    finally:
        handlers.close()
