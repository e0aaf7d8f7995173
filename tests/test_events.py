"""The event backbone on real parts, between services: envelopes decoded or refused, events that
reach scheduling through a Redis outage, the dead-letter queue, and an event re-sent until its
subscriber confirms it (scheduling's own consumer and outbox: services/scheduling/tests/test_events.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from conftest import wait_for
from kernel.bus import EVENTS_PER_MESSAGE, DeadLetterQueue, make_bus, make_redis
from kernel.consumer import Outcome
from kernel.events import MalformedEvent, ReportFiled, decode_event, new_event
from kernel.handlers import ServiceEventHandlers
from kernel.outbox import record_event
from services.reports import handlers as reports_handlers
from services.reports.database import OutboxMessage as ReportsOutbox
from services.reports.tests.support import street_event
from services.scheduling.state.models import StreetReport
from services.scheduling.tests.test_events import report_filed_event, scheduling
from streetcare.testing import Stack, queued_envelopes

__all__ = ["scheduling"]  # the fixture, used below by name


@pytest.mark.parametrize(
    "message, reason",
    [
        ("not an object", "JSON object"),
        ({"id": "x"}, "bad envelope"),
        ({**report_filed_event(1, 1), "type": "street.demolished"}, "unknown event type"),
        ({**report_filed_event(1, 1), "source": "volunteers"}, "must come from reports"),
        ({**report_filed_event(1, 1), "data": {"report_id": "seven"}}, "bad report.filed data"),
        ({**report_filed_event(1, 1), "version": 99}, "not supported"),
    ],
)
def test_malformed_events_are_refused_with_a_reason(message: Any, reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        decode_event(message)


def test_round_trip_of_every_catalogue_entry_through_json() -> None:
    envelope = new_event(
        "report.filed",
        "reports",
        ReportFiled(
            report_id=1, street_id=2, category="litter", severity=1, lat=1.0, lon=2.0, filed_at=datetime.now(UTC)
        ),
    )
    decoded, payload = decode_event(json.loads(envelope.model_dump_json()))
    assert decoded.id == envelope.id
    assert isinstance(payload, ReportFiled)


@pytest.mark.stack
@pytest.mark.xdist_group("stack")
def test_reports_accepted_while_redis_is_down_reach_scheduling_after_it_returns(stack: Stack) -> None:
    street = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 1, "offset": 250}).json()[
        "items"
    ][0]
    stack.redis_server.stop()
    try:
        answers = [
            httpx.post(
                f"{stack.gateway_url}/api/v1/reports/reports",
                json={"category": "litter", "lat": street["centroid"]["lat"], "lon": street["centroid"]["lon"]},
                timeout=20,
            )
            for _ in range(3)
        ]
    finally:
        stack.redis_server.start()
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    street_id = answers[0].json()["street_id"]
    wait_for(
        lambda: httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets/{street_id}").json()["open_reports"] >= 3,
        timeout=60,
        message="the swept reports to reach scheduling",
    )


@pytest.mark.stack
@pytest.mark.xdist_group("stack")
def test_malformed_message_on_a_queue_is_dead_lettered_and_the_consumer_goes_on(stack: Stack) -> None:
    from celery import Celery

    from kernel.bus import celery_config

    producer = Celery(set_as_current=False)
    producer.conf.update(celery_config(stack.redis_server.url))
    marker = uuid.uuid4().hex
    producer.send_task("scheduling.consume_event", args=[{"garbage": marker}], queue="scheduling.events")
    queue = DeadLetterQueue(make_redis(stack.redis_server.url))
    entry = wait_for(
        lambda: next((e for e in queue.entries(1000) if marker in json.dumps(e)), None),
        timeout=30,
        message="the dead letter",
    )
    assert entry["consumer"] == "scheduling"
    assert "malformed" in entry["reason"]
    # the consumer still works: a real report goes through
    street = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 1, "offset": 260}).json()[
        "items"
    ][0]
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/reports/reports",
        json={"category": "litter", "lat": street["centroid"]["lat"], "lon": street["centroid"]["lon"]},
    )
    assert answer.status_code == 201
    sid = answer.json()["street_id"]
    wait_for(
        lambda: httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets/{sid}").json()["open_reports"] >= 1,
        timeout=20,
        message="report after the dead letter",
    )


def test_an_event_a_worker_lost_after_taking_it_is_sent_again_until_its_subscriber_confirms(
    migrated: dict[str, Any], scheduling: ServiceEventHandlers
) -> None:
    """A worker killed between its BRPOP and recording the message as unacknowledged has taken
    the message out of Redis for good, while the outbox row already says published: the sweep
    must offer that event again until scheduling confirms it applied it, and then stop."""
    reports = reports_handlers.make_events(lambda: migrated["reports"])
    redis = make_redis(migrated["reports"].redis_url)
    try:
        runtime = reports.runtime
        with runtime.transaction() as session:  # commits, then the relay publishes at once
            event_id = record_event(
                session, ReportsOutbox, "reports", "report.filed", ReportFiled(**report_filed_event(3, 7001)["data"])
            )
        assert [e["id"] for e in queued_envelopes(redis, "scheduling.events")] == [event_id]
        assert redis.rpop("scheduling.events") is not None  # the BRPOP of a worker that dies before it records it

        def age_the_row() -> None:  # as if the sweep ran two minutes later
            with runtime.transaction() as session:
                session.execute(
                    text("UPDATE outbox SET created_at = :at, published_at = :at WHERE id = :id"),
                    {"at": datetime.now(UTC) - timedelta(minutes=2), "id": event_id},
                )

        age_the_row()
        assert reports.sweep_outbox() == 1, "a published event nobody confirmed was not sent again"
        again = queued_envelopes(redis, "scheduling.events")
        assert [e["id"] for e in again] == [event_id]
        redis.delete("scheduling.events")
        assert scheduling.consume(again[0]) is Outcome.APPLIED
        with scheduling.runtime.session_factory() as session:
            stored = select(func.count()).select_from(StreetReport).where(StreetReport.report_id == 7001)
            assert session.scalar(stored) == 1

        age_the_row()
        assert reports.sweep_outbox() == 0, "a confirmed event was sent again"
        assert redis.llen("scheduling.events") == 0
        with runtime.session_factory() as session:
            confirmed = session.scalar(select(ReportsOutbox.confirmed_at).where(ReportsOutbox.id == event_id))
        assert confirmed is not None

        # a second sweep that read the row before the first one settled it (two sweeps overlap
        # when one is slow; SQLite has no row locks to keep them apart) still finds the
        # confirmation, and sends nothing
        with runtime.transaction() as session:
            session.execute(text("UPDATE outbox SET confirmed_at = NULL WHERE id = :id"), {"id": event_id})
        age_the_row()
        assert reports.sweep_outbox() == 0, "a sweep sent again what another sweep had just found confirmed"
        assert redis.llen("scheduling.events") == 0
    finally:
        redis.close()
        reports.close()


def test_a_publish_batch_reaches_each_subscriber_as_few_messages_in_order(migrated: dict[str, Any]) -> None:
    """A subscriber's events of one publish batch ride together (a consumer takes one message a
    fetch), each subscriber gets only its own, in the order they were recorded, and a batch
    larger than a message is split, not cut."""
    redis_url = migrated["reports"].redis_url
    queues = ("scheduling.events", "reports.events", "volunteers.events")
    filed = [report_filed_event(3, 9000 + n) for n in range(EVENTS_PER_MESSAGE + 2)]
    registered = street_event(9, "Testikatu", [(24.93, 60.16), (24.94, 60.17)])
    bus = make_bus(redis_url)
    redis = make_redis(redis_url)
    try:
        redis.delete(*queues)
        bus.publish_many([*filed[:2], registered, *filed[2:]])
        assert redis.llen("scheduling.events") == 2  # EVENTS_PER_MESSAGE + 2 in two messages
        assert redis.llen("reports.events") == redis.llen("volunteers.events") == 1
        newest_message_first = [e["id"] for e in queued_envelopes(redis, "scheduling.events")]
        ids = [e["id"] for e in filed]
        assert newest_message_first == ids[EVENTS_PER_MESSAGE:] + ids[:EVENTS_PER_MESSAGE]
        assert [e["id"] for e in queued_envelopes(redis, "reports.events")] == [registered["id"]]
        assert [e["id"] for e in queued_envelopes(redis, "volunteers.events")] == [registered["id"]]
    finally:
        redis.delete(*queues)
        redis.close()
        bus.close()
