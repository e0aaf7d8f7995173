"""The scheduling service's side of the event backbone, on real parts: its consumer applies an event
once, its outbox keeps events while Redis is down until the sweep sends them, and an event without
queue subscribers is settled when published."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import RedisProcess, queued_envelopes, statements_sent, wait_for
from kernel.bus import make_redis
from kernel.consumer import MalformedEvent, Outcome
from kernel.events import AdoptionChanged, PickLogged, PlanPublished, ReportFiled, new_event
from kernel.handlers import SWEEP_LOCK_S, ServiceEventHandlers
from kernel.outbox import record_event
from services.scheduling import handlers as scheduling_handlers
from services.scheduling.admin import load_demo_city
from services.scheduling.database import OutboxMessage, ProcessedEvent
from services.scheduling.state.models import EstimateSnapshot, StreetAdoption, StreetReport, StreetState
from services.scheduling.streets.models import Street


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
    handlers = scheduling_handlers.make_events(lambda: settings)  # as the workers have it
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
        assert len(queued_envelopes(redis, "reports.events")) == result.created
        assert len(queued_envelopes(redis, "volunteers.events")) == result.created
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


def an_unpublished_plan_event(runtime: Any, day: date, version: int) -> str:
    """A plan.published row in scheduling's outbox, committed and never handed to the publisher."""
    with runtime.session_factory() as session:
        plan = PlanPublished(plan_date=day, version=version, visits=0)
        event_id = record_event(session, OutboxMessage, "scheduling", "plan.published", plan)
        session.commit()
    return str(event_id)


def test_a_sweep_leaves_the_outbox_to_another_sweep_of_the_same_service_still_running(
    migrated: dict[str, Any],
) -> None:
    """Two sweeps that overlap would both send the rows they read (SQLite cannot skip locked rows):
    while one holds the service's sweep lock, a second sends nothing; the next one after it does."""
    handlers = ServiceEventHandlers(
        "scheduling", lambda: migrated["scheduling"], OutboxMessage, scheduling_handlers.events.inbox_model, {}
    )
    try:
        runtime = handlers.runtime
        event_id = an_unpublished_plan_event(runtime, date(2026, 12, 5), 7)
        running = runtime.redis.lock(f"streetcare:outbox-sweep:{handlers.service}", timeout=30)
        assert running.acquire(blocking=False)
        try:
            assert handlers.sweep_outbox(older_than_seconds=0) == 0
            with runtime.session_factory() as session:
                row = session.get(OutboxMessage, event_id)
                assert row is not None and row.published_at is None
        finally:
            running.release()
        assert handlers.sweep_outbox(older_than_seconds=0) >= 1
        with runtime.session_factory() as session:
            row = session.get(OutboxMessage, event_id)
            assert row is not None and row.published_at is not None
    finally:
        handlers.close()


def test_a_sweep_lock_a_killed_worker_left_holds_sweeps_up_only_briefly(migrated: dict[str, Any]) -> None:
    """A worker killed mid-sweep leaves its lock in Redis: the next sweeps wait only for its short
    lifetime (it was 120 s, and after a crash unpublished events waited that long); a sweep that
    runs longer than the lifetime keeps its lock, renewed, so no second sweep overlaps it."""
    key = "streetcare:outbox-sweep:scheduling"
    remaining: list[int] = []

    def slow_sweep_part(runtime: Any) -> None:
        remaining.append(int(runtime.redis.pttl(key)))
        time.sleep(1.0)  # longer than the lock's lifetime below
        remaining.append(int(runtime.redis.pttl(key)))

    handlers = ServiceEventHandlers(
        "scheduling",
        lambda: migrated["scheduling"],
        OutboxMessage,
        scheduling_handlers.events.inbox_model,
        {},
        also_sweep=slow_sweep_part,
        sweep_lock_s=0.6,
    )
    try:
        runtime = handlers.runtime
        event_id = an_unpublished_plan_event(runtime, date(2026, 12, 6), 8)
        runtime.redis.set(key, "a-killed-worker", px=600)  # what a sweep killed mid-way leaves
        assert handlers.sweep_outbox(older_than_seconds=0) == 0 and remaining == []
        wait_for(lambda: handlers.sweep_outbox(older_than_seconds=0) >= 1, timeout=5, message="a sweep after the lock")
        with runtime.session_factory() as session:
            row = session.get(OutboxMessage, event_id)
            assert row is not None and row.published_at is not None
        assert 0 < remaining[0] <= 600 and 0 < remaining[1] <= 600, remaining  # renewed past its lifetime
    finally:
        handlers.close()
    assert SWEEP_LOCK_S <= 15  # the default lifetime: what a crash costs the next sweeps


def test_events_that_arrive_together_apply_together_each_once(scheduling: ServiceEventHandlers) -> None:
    """A batch: new events apply, one already applied and one twice in the batch are duplicates,
    a malformed one is refused alone; the settled ones are confirmed to their sender's outbox."""
    earlier = report_filed_event(street_id=5, report_id=9101)
    assert scheduling.consume(earlier) is Outcome.APPLIED
    first, second = report_filed_event(5, 9102), report_filed_event(6, 9103)
    garbage = {"id": "not-an-event"}
    results = scheduling.consume_many([first, earlier, second, garbage, dict(first)])
    assert results[:3] == [Outcome.APPLIED, Outcome.DUPLICATE, Outcome.APPLIED]
    assert isinstance(results[3], MalformedEvent) and results[4] is Outcome.DUPLICATE
    with scheduling.runtime.session_factory() as session:
        reports = session.scalars(select(StreetReport.report_id).where(StreetReport.street_id.in_([5, 6]))).all()
    assert sorted(reports) == [9101, 9102, 9103]
    bus = scheduling.runtime.bus
    assert not any("scheduling" in bus.unconfirmed(event) for event in (first, second, earlier))


def test_one_failing_event_in_a_batch_costs_the_others_nothing(scheduling: ServiceEventHandlers) -> None:
    """The batch is rolled back and each event applied alone: the good ones apply once, the one
    naming a street the registry does not have comes back as its error, half-applied nowhere."""
    good, unknown_street, also_good = (
        report_filed_event(7, 9201),
        report_filed_event(999_999, 9202),
        report_filed_event(8, 9203),
    )
    results = scheduling.consume_many([good, unknown_street, also_good])
    assert results[0] is Outcome.APPLIED and results[2] is Outcome.APPLIED
    assert isinstance(results[1], Exception) and not isinstance(results[1], MalformedEvent)
    with scheduling.runtime.session_factory() as session:
        reports = session.scalars(select(StreetReport.report_id).where(StreetReport.report_id >= 9200)).all()
        inbox = session.scalar(
            select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.event_id == unknown_street["id"])
        )
    assert sorted(reports) == [9201, 9203] and inbox == 0
    assert "scheduling" in scheduling.runtime.bus.unconfirmed(unknown_street)


def test_events_applied_together_read_their_streets_and_states_once(scheduling: ServiceEventHandlers) -> None:
    """A batch on several streets reads the streets, their states and which of its reports were
    applied before with one SELECT each, not one per event: the handlers find them in the session
    (the consumer holds what was loaded)."""
    for street_id in (11, 12, 13):  # the streets have states already: each handler would look them up
        assert scheduling.consume(report_filed_event(street_id, 9300 + street_id)) is Outcome.APPLIED
    batch = [report_filed_event(street_id, 9400 + n) for n, street_id in enumerate((11, 12, 13, 11, 12, 13))]
    with statements_sent(scheduling.runtime.engine) as sent:
        assert scheduling.consume_many(batch) == [Outcome.APPLIED] * len(batch)
    statements = [statement for statement, _ in sent]
    reads = [s for s in statements if s.startswith("select")]
    assert sum(" from streets " in f"{s} " for s in reads) == 1, reads
    assert sum(" from street_states " in f"{s} " for s in reads) == 1, reads
    assert sum(" from street_reports " in f"{s} " for s in reads) == 1, reads  # applied before? once


def test_streets_a_batch_gives_their_first_state_are_made_in_one_statement(
    scheduling: ServiceEventHandlers,
) -> None:
    """A batch of reports and picks on streets with no state yet: one INSERT makes every state (with
    its prior snapshot, once, before the event's own), the states are read back once, the picked
    streets' adoptions once. Made one by one, each street cost a query, an insert, a query again and
    a flush of everything pending; on PostgreSQL, under load, those round trips were the wait
    between a report filed and its street's state."""
    with scheduling.runtime.session_factory() as session:
        stateless = session.scalars(
            select(Street.id).where(Street.id.not_in(select(StreetState.street_id))).order_by(Street.id).limit(12)
        ).all()
    assert len(stateless) == 12
    picked_at = datetime.now(UTC)
    batch = [report_filed_event(street_id, 9700 + n) for n, street_id in enumerate(stateless[:8])]
    batch += [
        new_event(
            "pick.logged",
            "volunteers",
            PickLogged(pick_id=9800 + n, street_ids=[street_id], picked_at=picked_at, bags=1, minutes=20),
        ).model_dump(mode="json")
        for n, street_id in enumerate(stateless[6:])  # two streets get a report and a pick
    ]
    with statements_sent(scheduling.runtime.engine) as sent:
        assert scheduling.consume_many(batch) == [Outcome.APPLIED] * len(batch)
    statements = [statement for statement, _ in sent]
    assert sum(s.startswith("insert into street_states") for s in statements) == 1, statements
    assert sum(s.startswith("select") and " from street_states " in f"{s} " for s in statements) == 2, statements
    assert sum(s.startswith("select") and " from street_adoptions " in f"{s} " for s in statements) == 1, statements
    with scheduling.runtime.session_factory() as session:
        snapshots = session.execute(
            select(EstimateSnapshot.street_id, EstimateSnapshot.cause)
            .where(EstimateSnapshot.street_id.in_(stateless))
            .order_by(EstimateSnapshot.id)
        ).all()
        states = session.scalars(select(StreetState).where(StreetState.street_id.in_(stateless))).all()
    causes = {street_id: [cause for s, cause in snapshots if s == street_id] for street_id in stateless}
    for street_id in stateless[:6]:
        assert causes[street_id] == ["prior", "report"], (street_id, causes[street_id])
    for street_id in stateless[6:8]:
        assert causes[street_id] == ["prior", "report", "pick"], (street_id, causes[street_id])
    for street_id in stateless[8:]:
        assert causes[street_id] == ["prior", "pick"], (street_id, causes[street_id])
    assert len(states) == 12
    assert all(s.last_picked_at is not None for s in states if s.street_id in stateless[6:])


def test_a_batch_updates_its_street_states_in_street_order(scheduling: ServiceEventHandlers) -> None:
    """Every street state a batch changes is written in one flush, in street order: two batches that
    share streets then wait for each other, never crosswise. A handler's query that flushed the
    first event's change ahead of the rest (the weekday statistics, read by the first report) made
    deadlocks on PostgreSQL, each found only after a second's wait, with both batches applied
    again one event at a time."""
    streets_ids = (52, 41, 43, 45)  # the first event's street is not the lowest
    for street_id in streets_ids:  # states exist: the batch only updates them
        assert scheduling.consume(report_filed_event(street_id, 9900 + street_id)) is Outcome.APPLIED
    batch = [report_filed_event(street_id, 9950 + n) for n, street_id in enumerate(streets_ids)]
    with statements_sent(scheduling.runtime.engine) as sent:
        assert scheduling.consume_many(batch) == [Outcome.APPLIED] * len(batch)
    updated = [
        int(row["street_states_street_id"])
        for statement, parameters in sent
        if statement.startswith("update street_states")
        for row in (parameters if isinstance(parameters, list | tuple) else [parameters])
    ]
    assert updated == sorted(updated) and len(updated) >= 3 and 52 in updated, updated


def test_a_pick_in_the_batch_that_started_the_adoption_renews_it(scheduling: ServiceEventHandlers) -> None:
    """Applied together, an adoption started and a pick on its street: the pick finds the adoption
    the same transaction added (and a second pick in the batch, on a stored one, its changed time)."""
    started = new_event(
        "adoption.started",
        "volunteers",
        AdoptionChanged(
            adoption_id=9501,
            street_id=21,
            volunteer_id=7,
            rhythm="weekly",
            status="active",
            started_on=date(2026, 5, 1),
        ),
    ).model_dump(mode="json")
    picked_at = datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
    later = datetime(2026, 5, 3, 9, 30, tzinfo=UTC)
    picks = [
        new_event(
            "pick.logged",
            "volunteers",
            PickLogged(pick_id=pick_id, street_ids=[21], picked_at=at, bags=1, minutes=20, volunteer_id=7),
        ).model_dump(mode="json")
        for pick_id, at in ((9601, picked_at), (9602, later))
    ]
    assert scheduling.consume_many([started, picks[0]]) == [Outcome.APPLIED] * 2
    with scheduling.runtime.session_factory() as session:
        adoption = session.get(StreetAdoption, 9501)
        assert adoption is not None and adoption.last_pick_at == picked_at
    assert scheduling.consume_many([picks[1]]) == [Outcome.APPLIED]
    with scheduling.runtime.session_factory() as session:
        adoption = session.get(StreetAdoption, 9501)
        assert adoption is not None and adoption.last_pick_at == later


def test_a_report_sent_again_under_a_new_event_is_stored_once(scheduling: ServiceEventHandlers) -> None:
    """A report already applied, sent again in a batch under a new event id, changes nothing; two
    events of one new report in the same batch store it once (the batch falls back to one by one)."""
    assert scheduling.consume(report_filed_event(31, 9701)) is Outcome.APPLIED
    again, twin, other_twin = report_filed_event(31, 9701), report_filed_event(32, 9702), report_filed_event(32, 9702)
    assert scheduling.consume_many([again, twin, other_twin]) == [Outcome.APPLIED] * 3
    with scheduling.runtime.session_factory() as session:
        stored = session.scalars(select(StreetReport.report_id).where(StreetReport.report_id.in_([9701, 9702]))).all()
    assert sorted(stored) == [9701, 9702]
