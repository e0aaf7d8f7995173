"""The crew planner inside the scheduling service: plans, versions, diffs, fixed visits, visits done,
volunteer coverage end to end, debounced re-plan requests, and the dispatcher API."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import delete, event, select

from conftest import SERVICE_HEADERS, TEST_TOKEN_SECRET, scheduling_runtime
from kernel.auth import Role, issue_token
from kernel.events import AdoptionChanged, InspectionRecorded, PickLogged, ReportFiled
from kernel.geo import haversine_m
from services.scheduling.app import create_app
from services.scheduling.database import OutboxMessage
from services.scheduling.dirty import service as dirty
from services.scheduling.dirty.models import PlanDirty
from services.scheduling.dirty.triggers import trigger
from services.scheduling.history import service as history
from services.scheduling.planning import engine, estimator, reasons
from services.scheduling.planning.engine import ITERATION_STOP
from services.scheduling.plans import inputs, service
from services.scheduling.settings import SchedulingRuntime, SchedulingSettings
from services.scheduling.state import service as state
from services.scheduling.state.models import StreetState, WeekdayLearning
from services.scheduling.streets import repository as streets_repository


@pytest.fixture
def settings(demo_city: Any) -> Any:
    """The demo city with its four crews (`demo_city_database` loads them once per test worker)."""
    # an iteration count, not a time budget: the plans (and so the assertions) do not depend on how busy the host is
    return demo_city.model_copy(
        update={"planner_iterations": ITERATION_STOP.iterations, "replan_debounce_seconds": 0.5}
    )


@pytest.fixture
def runtime(settings: Any) -> Iterator[SchedulingRuntime]:
    sent: list[tuple[date, ...]] = []
    with scheduling_runtime(settings, requester=lambda days: sent.append(tuple(days))) as running:
        running.extras["requested"] = sent
        yield running


def a_weekday(runtime: SchedulingRuntime) -> date:
    """Today, or the next weekday, so every demo crew (the sweeper works weekdays) is on duty."""
    with runtime.transaction() as session:
        day = dirty.today(dirty.city_timezone(session))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def as_if_on(runtime: SchedulingRuntime, day: date) -> datetime:
    """This moment moved to ``day``: a weekend run plans Monday as if it were Monday now,
    so "picked yesterday" means the day before the plan day, whichever day the suite runs."""
    with runtime.transaction() as session:
        today = dirty.today(dirty.city_timezone(session))
    return datetime.now(UTC) + (day - today)


def plan(runtime: SchedulingRuntime, day: date) -> dict[str, Any]:
    with runtime.transaction() as session:
        return service.plan_view(session, day)


def a_planned_clean(runtime: SchedulingRuntime, day: date) -> dict[str, Any]:
    """Plan `day` and give its first clean visit."""
    service.replan(runtime, day, "first")
    return next(v for c in plan(runtime, day)["crews"] for v in c["visits"] if v["kind"] == "clean")


def on_plan(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["candidate_id"]: {**v, "crew_id": c["id"]} for c in view["crews"] for v in c["visits"]}


def nearest_left_out(runtime: SchedulingRuntime, view: dict[str, Any], crew: dict[str, Any]) -> int:
    """The street left off ``view`` nearest to ``crew``'s visits: reports there make it worth that
    crew's time (a street far from every crew out that day may rightly wait for a later day)."""
    from services.scheduling.streets import repository as streets

    planned = on_plan(view)
    points = [(v["lat"], v["lon"]) for v in crew["visits"]]
    left_out = [d["street_id"] for d in view["dropped"] if str(d["street_id"]) not in planned]
    assert left_out, "the demo crews cannot clean every street: something is left out"
    with runtime.transaction() as session:
        rows = [(s.id, s.centroid_lat, s.centroid_lon) for s in streets.by_ids(session, left_out)]
    return min(rows, key=lambda r: min(haversine_m(r[1], r[2], lat, lon) for lat, lon in points))[0]


def file_reports(runtime: SchedulingRuntime, street_id: int, count: int, first_id: int) -> None:
    street = None
    with runtime.transaction() as session:
        from services.scheduling.streets import repository as streets

        street = streets.get(session, street_id)
        assert street is not None
        for number in range(count):
            state.apply_report_filed(
                session,
                ReportFiled(
                    report_id=first_id + number,
                    street_id=street_id,
                    category="litter",
                    severity=2,
                    lat=street.centroid_lat,
                    lon=street.centroid_lon,
                    filed_at=datetime.now(UTC) - timedelta(hours=3 - number),
                ),
            )


def test_demo_plan_respects_every_shift_visits_no_street_twice_and_gives_reasons(runtime: SchedulingRuntime) -> None:
    day = a_weekday(runtime)
    result = service.replan(runtime, day, "test")
    assert result.version == 1 and result.visits > 0
    view = plan(runtime, day)
    seen: Counter[str] = Counter()
    for crew in view["crews"]:
        start, end = crew["shift_start"], crew["shift_end"]
        if isinstance(start, str):
            start, end = datetime.fromisoformat(start), datetime.fromisoformat(end)
        for visit in crew["visits"]:
            seen[visit["candidate_id"]] += 1
            assert start <= visit["eta"] and visit["eta"] + timedelta(minutes=visit["service_minutes"]) <= end
            assert visit["reason"] and "expected level" in visit["reason"]
        if crew["returns_at"]:
            assert datetime.fromisoformat(crew["returns_at"]) <= end
        if crew["visits"]:  # drawn along the streets: more points than the depot and its stops
            assert crew["path"]["type"] == "LineString"
            assert len(crew["path"]["coordinates"]) > len(crew["visits"]) + 2
        else:
            assert crew["path"] is None
    assert seen and max(seen.values()) == 1
    assert view["travel"]["road_network"] and view["travel"]["stops_on_network"] > 0
    # the demo crews are sized below "every street every day": the policy has to choose
    assert 0 < result.prize_collected < result.prize_available
    assert view["dropped"] and all(d["why"] for d in view["dropped"])


def full_day_shifts(runtime: SchedulingRuntime, day: date) -> None:
    """Every demo crew works 07:00–15:00 on ``day`` (rolled back after the test), so the crew out
    that day has time to spare: the demo's 2-hour sweeper shift is full, and one reported street is
    rightly not worth sending a crew that stays home (a crew-shift costs more than it is worth)."""
    from services.scheduling.crews.models import CrewRecord

    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    with runtime.transaction() as session:
        for crew in session.scalars(select(CrewRecord)):
            crew.shifts = {**crew.shifts, weekday: {"start": "07:00", "end": "15:00"}}


def test_the_streets_worth_a_crew_do_not_move_with_the_hour_the_day_is_planned_at(runtime: SchedulingRuntime) -> None:
    """With no new facts, the streets worth a crew (and their prizes) are the same whether the day
    is planned the evening before, in the morning or in the afternoon: a street nobody has seen is
    the city's average on the plan day's morning, not at "now" (that emptied every afternoon re-plan
    of a quiet Saturday, and thinned tomorrow's plan the later in the evening it was made)."""
    day = a_weekday(runtime)
    with runtime.transaction() as session:
        tz = dirty.city_timezone(session)
    # the evening before (tomorrow's plan made late), the morning and the afternoon of the day
    evening, morning, afternoon = (
        datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=h) for h in (-2, 8, 16)
    )
    with runtime.transaction() as session:
        before, early, late = (inputs.load(session, day, at) for at in (evening, morning, afternoon))
    assert len(before.facts) == len(early.facts) == len(late.facts) > 0
    estimates = [{f.street_id: f.estimate for f in data.facts} for data in (before, early, late)]
    assert estimates[0] == estimates[1] == estimates[2], "an unseen street's belief moved with the clock"
    worth = [
        {c.id: round(c.prize, 6) for c in engine.candidates_for_day(data.facts, day, data.now)}
        for data in (before, early, late)
    ]
    assert worth[0] and worth[0] == worth[1] == worth[2], "the streets worth a crew changed with the hour"


def test_reasons_and_triggers_carry_codes_from_the_planner_to_the_stored_plan(runtime: SchedulingRuntime) -> None:
    """Every reason is stored as parts (code + params) next to its English, the trigger as a code: a
    page can say them in its reader's language; a done visit keeps its parts on the next version."""
    day = a_weekday(runtime)
    with runtime.transaction() as session:
        dirty.mark_dirty(session, trigger("crew_off", crew="Noord 1", day=day.isoformat()), days=[day])
    service.replan(runtime, day)  # the trigger is the dirty mark's
    first = plan(runtime, day)
    assert first["trigger"] == f"crew Noord 1 off on {day.isoformat()}"
    assert (first["trigger_code"], first["trigger_params"]) == ("crew_off", {"crew": "Noord 1", "day": day.isoformat()})
    visits = [v for c in first["crews"] for v in c["visits"]]
    assert visits
    for visit in visits:
        parts = reasons.parts_from(visit["reason_parts"])
        assert reasons.phrase(parts) == visit["reason"]
        assert parts[-1].code in {"within_baseline", "added_beyond_baseline"}
        assert visit["kind"] != "clean" or "expected_level" in {p.code for p in parts}
    done = visits[0]
    with runtime.transaction() as session:
        service.complete_visit(session, done["visit_id"])
    service.replan(runtime, day, trigger("visit_done"))
    second = plan(runtime, day)
    assert (second["trigger"], second["trigger_code"]) == ("visit done", "visit_done")
    kept = on_plan(second)[done["candidate_id"]]
    assert kept["status"] == "done" and kept["reason_parts"] == done["reason_parts"]
    with runtime.transaction() as session:
        changes = service.diff_view(session, day, 2)["changes"]
    assert all(reasons.phrase(reasons.parts_from(c["reason_parts"])) == c["reason"] for c in changes)
    service.replan(runtime, day, "an operator's own words")
    assert (plan(runtime, day)["trigger"], plan(runtime, day)["trigger_code"]) == ("an operator's own words", None)


def test_replan_keeps_done_and_started_visits_and_stores_the_diff(runtime: SchedulingRuntime) -> None:
    # a crew out with several visits is what this test needs; whether the fresh demo city's averages
    # are worth a crew-shift at all is the effort policy's question, not this one's
    runtime.settings = runtime.settings.model_copy(update={"crew_shift_share": 0.0})
    day = a_weekday(runtime)
    full_day_shifts(runtime, day)
    service.replan(runtime, day, "first")
    first = plan(runtime, day)
    crew = next(c for c in first["crews"] if len(c["visits"]) >= 3)
    done, started = crew["visits"][0], crew["visits"][1]
    with runtime.transaction() as session:
        service.complete_visit(session, done["visit_id"])
        service.start_visit(session, started["visit_id"])
    planned = on_plan(first)
    target = nearest_left_out(runtime, first, crew)
    file_reports(runtime, target, 3, first_id=70_000)

    result = service.replan(runtime, day, "after three reports")
    assert result.version == 2
    second = plan(runtime, day)
    crew_after = next(c for c in second["crews"] if c["id"] == crew["id"])
    assert [v["visit_id"] for v in crew_after["visits"][:2]] == [done["visit_id"], started["visit_id"]]
    assert [v["status"] for v in crew_after["visits"][:2]] == ["done", "started"]
    assert all(v["fixed"] for v in crew_after["visits"][:2])
    now_on = on_plan(second)
    assert str(target) in now_on, "a street reported three times must get into the next version"
    assert "3 reports" in now_on[str(target)]["reason"]
    assert now_on[str(target)]["change"] == "added"

    with runtime.transaction() as session:
        stored = service.diff_view(session, day, 2)
        versions = service.versions_view(session, day)
    added = {c["candidate_id"] for c in stored["changes"] if c["change"] == "added"}
    removed = {c["candidate_id"] for c in stored["changes"] if c["change"] == "removed"}
    assert added == set(now_on) - set(planned)
    assert removed == set(planned) - set(now_on)
    assert all(c["reason"] for c in stored["changes"])
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["added"] == len(added) and versions[1]["removed"] == len(removed)
    # the same diff computed on the fly between any two versions
    with runtime.transaction() as session:
        again = service.diff_view(session, day, 2, against=1)
    assert sorted((c["change"], c["candidate_id"]) for c in again["changes"] if c["change"] != "reordered") == sorted(
        (c["change"], c["candidate_id"]) for c in stored["changes"] if c["change"] != "reordered"
    )
    with runtime.transaction() as session:
        published = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "plan.published")).all()
    assert sorted(m.envelope["data"]["version"] for m in published) == [1, 2]


def test_diff_counts_added_removed_moved_and_reordered() -> None:
    old = [
        inputs.Slot(c, n, n, crew, pos, "r")
        for n, (c, crew, pos) in enumerate([("a", 1, 0), ("b", 1, 1), ("c", 1, 2), ("d", 2, 0)])
    ]
    new = [
        inputs.Slot(c, n, n, crew, pos, "r")
        for n, (c, crew, pos) in enumerate([("c", 1, 0), ("a", 1, 1), ("e", 1, 2), ("d", 1, 3)])
    ]
    gone = {"b": reasons.part("bags_gone")}
    changes = {(c["change"], c["candidate_id"]) for c in service.diff(old, new, gone)}
    assert changes == {("added", "e"), ("removed", "b"), ("moved", "d"), ("reordered", "c"), ("reordered", "a")}
    removed = next(c for c in service.diff(old, new, gone) if c["change"] == "removed")
    assert removed["reason"] == "the bags were collected or withdrawn" and removed["from_crew_id"] == 1
    assert removed["reason_parts"] == [{"code": "bags_gone", "params": {}}]


def test_visit_done_resets_the_estimate_resolves_reports_and_publishes_visit_completed(
    runtime: SchedulingRuntime,
) -> None:
    day = a_weekday(runtime)
    visit = a_planned_clean(runtime, day)
    file_reports(runtime, visit["street_id"], 2, first_id=80_000)
    with runtime.transaction() as session:
        before = session.get(StreetState, visit["street_id"])
        assert before is not None
        mean_before = before.estimate["mean_litter"]
        done = service.complete_visit(session, visit["visit_id"])
        assert done.status == "done"
    with runtime.transaction() as session:
        after = session.get(StreetState, visit["street_id"])
        assert after is not None and after.last_visited_at is not None
        assert after.estimate["mean_litter"] < mean_before
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "visit.completed")).one()
        page = history.street_history(session, visit["street_id"])
    data = message.envelope["data"]
    assert data["visit_id"] == visit["visit_id"] and data["kind"] == "clean"
    assert sorted(data["report_ids"]) == [80_000, 80_001]
    assert [e["cause"] for e in page["estimates"]][-1] == "visit"
    assert {"prior", "report", "visit"} <= {e["cause"] for e in page["estimates"]}
    assert {r["status"] for r in page["reports"]} == {"resolved"}
    assert page["visits"][0]["status"] == "done"


def test_the_level_found_on_arrival_is_a_measurement_before_the_clean_and_teaches_the_weekdays(
    runtime: SchedulingRuntime,
) -> None:
    day = a_weekday(runtime)
    visit = a_planned_clean(runtime, day)
    street_id = visit["street_id"]
    done_at = datetime.now(UTC)
    with runtime.transaction() as session:
        street = streets_repository.get(session, street_id)
        assert street is not None
        kind = street.kind
        row = session.get(StreetState, street_id)
        known = state.current_estimate(row) if row else estimator.prior(kind, street.length_m, done_at)
        unseen = estimator.observe_visit(known, done_at)
        learnt_before = session.scalars(select(WeekdayLearning)).all()
        observations_before = sum(int(r.stats["observations"]) for r in learnt_before)
        done = service.complete_visit(session, visit["visit_id"], at=done_at, level_found="D")
        assert done.level_found == "D"
    with runtime.transaction() as session:
        row = session.get(StreetState, street_id)
        assert row is not None
        after = state.current_estimate(row)
    # read as L in [4, 5.5] before the clean: more litter left behind than a clean without it assumes
    assert after.anchor_at == done_at
    assert after.mean_litter > unseen.mean_litter
    assert after.measured_litter == 4.75
    # an inspection three days later measures what built up since the clean: evidence for the weekdays
    with runtime.transaction() as session:
        state.apply_inspection(
            session,
            InspectionRecorded(
                inspection_id=91_000,
                street_id=street_id,
                level="B",
                coarse_litter=0,
                fine_litter=0,
                inspected_at=done_at + timedelta(days=3),
            ),
        )
    with runtime.transaction() as session:
        learnt = {r.street_kind: r.stats for r in session.scalars(select(WeekdayLearning))}
        assert sum(int(s["observations"]) for s in learnt.values()) == observations_before + 1
        assert kind in learnt


def test_a_done_undone_forgets_what_it_taught_the_weekdays(runtime: SchedulingRuntime) -> None:
    day = a_weekday(runtime)
    visit = a_planned_clean(runtime, day)
    street_id = visit["street_id"]
    cleaned_at = datetime.now(UTC) - timedelta(days=4)
    with runtime.transaction() as session:
        state.record_visit(session, street_id, cleaned_at)  # an earlier clean: the anchor
    with runtime.transaction() as session:
        stats_before = {r.street_kind: dict(r.stats) for r in session.scalars(select(WeekdayLearning))}
        service.complete_visit(session, visit["visit_id"], level_found="C")
    with runtime.transaction() as session:
        learnt = {r.street_kind: dict(r.stats) for r in session.scalars(select(WeekdayLearning))}
        assert learnt != stats_before
        service.undo_done(session, visit["visit_id"])
    with runtime.transaction() as session:
        after_undo = {r.street_kind: dict(r.stats) for r in session.scalars(select(WeekdayLearning))}
    nothing_learnt = {"observations": 0, "xty": [0.0] * 7}
    for kind, stats in after_undo.items():
        assert stats["observations"] == stats_before.get(kind, nothing_learnt)["observations"]
        assert stats["xty"] == pytest.approx(stats_before.get(kind, nothing_learnt)["xty"], abs=1e-9)


def adopt(runtime: SchedulingRuntime, adoption_id: int, street_id: int, picks: list[datetime], **extra: Any) -> None:
    """As the volunteers service would have told it over the weeks: the picks, then the adoption."""
    with runtime.transaction() as session:
        for number, at in enumerate(picks):
            state.apply_pick_logged(
                session,
                PickLogged(
                    pick_id=adoption_id * 100 + number, street_ids=[street_id], picked_at=at, bags=1, minutes=20
                ),
            )
        state.apply_adoption_changed(
            session,
            AdoptionChanged(
                adoption_id=adoption_id,
                street_id=street_id,
                volunteer_id=adoption_id,
                rhythm="weekly",
                status=extra.get("status", "active"),
                started_on=(datetime.now(UTC) - timedelta(days=70)).date(),
                paused_until=extra.get("paused_until"),
                last_pick_at=picks[-1] if picks else None,
            ),
        )


def test_coverage_a_street_whose_volunteers_stop_comes_onto_the_plan_a_reliable_one_drops_off(
    runtime: SchedulingRuntime,
) -> None:
    day = a_weekday(runtime)
    now = as_if_on(runtime, day)
    weekly = [now - timedelta(days=7 * k + 1) for k in range(9, -1, -1)]  # every week, last yesterday
    reliable, stopped, paused = 11, 12, 13
    adopt(runtime, 1, reliable, weekly)
    adopt(runtime, 2, stopped, [t - timedelta(days=28) for t in weekly])  # last pick four weeks ago
    adopt(runtime, 3, paused, weekly[:-3], status="paused", paused_until=day + timedelta(days=30))
    with runtime.transaction() as session:
        data = inputs.load(session, day, now)
    prizes = {c.id: c for c in data.candidates}
    assert str(reliable) not in prizes, "a reliably picked street is left to its volunteers"
    assert str(stopped) in prizes and "no pick logged for 4 weeks on a weekly adoption" in prizes[str(stopped)].reason
    assert str(paused) in prizes and "paused" in prizes[str(paused)].reason
    assert prizes[str(stopped)].prize > sorted(c.prize for c in data.candidates)[len(data.candidates) // 2]

    service.replan(runtime, day, "coverage")
    planned = on_plan(plan(runtime, day))
    assert str(stopped) in planned and str(reliable) not in planned


def test_a_lapsing_adoption_comes_back_within_days_without_anyone_touching_it(runtime: SchedulingRuntime) -> None:
    day = a_weekday(runtime)
    now = as_if_on(runtime, day)
    street = 21
    adopt(runtime, 4, street, [now - timedelta(days=7 * k + 1) for k in range(6, -1, -1)])
    prize: dict[int, float] = {}
    top_decile: dict[int, float] = {}
    for ahead in range(12):
        with runtime.transaction() as session:
            data = inputs.load(session, day + timedelta(days=ahead), now + timedelta(days=ahead))
        prizes = sorted(c.prize for c in data.candidates)
        top_decile[ahead] = prizes[int(0.9 * len(prizes))]
        prize[ahead] = next((c.prize for c in data.candidates if c.id == str(street)), 0.0)
    assert prize[0] == prize[1] == 0.0, "right after a pick the street is left to its adopter"
    # the weekly pick falls due six days after the last; once it is missed the street climbs fast
    assert prize[8] > 2 * prize[6]
    back = next((ahead for ahead in range(6, 12) if prize[ahead] >= top_decile[ahead]), None)
    assert back is not None and back <= 10, prize


def test_a_group_cleanup_covers_its_street_on_its_date(runtime: SchedulingRuntime) -> None:
    from kernel.events import CleanupPlanned

    day = a_weekday(runtime)
    with runtime.transaction() as session:
        tz = dirty.city_timezone(session)
        baseline = {c.id: c.prize for c in inputs.load(session, day).candidates}
    street = next(int(cid) for cid, prize in sorted(baseline.items(), key=lambda kv: -kv[1]) if cid.isdigit())
    starts = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=10)
    with runtime.transaction() as session:
        state.apply_cleanup_planned(
            session,
            CleanupPlanned(session_id=5, street_ids=[street], starts_at=starts, ends_at=starts + timedelta(hours=2)),
        )
        after = {c.id: c.prize for c in inputs.load(session, day).candidates}
    assert after.get(str(street), 0.0) < 0.1 * baseline[str(street)]


def test_events_mark_today_and_tomorrow_dirty_and_ask_for_a_replan_after_commit(runtime: SchedulingRuntime) -> None:
    requested = runtime.extras["requested"]
    file_reports(runtime, 30, 1, first_id=90_000)
    with runtime.transaction() as session:
        today = dirty.today(dirty.city_timezone(session))
        rows = {r.plan_date: r.generation for r in session.scalars(select(PlanDirty))}
    assert set(rows) >= {today, today + timedelta(days=1)}
    assert requested and set(requested[-1]) == {today, today + timedelta(days=1)}
    count = len(requested)
    with pytest.raises(RuntimeError), runtime.transaction() as session:
        dirty.mark_dirty(session, trigger("visit_done"))
        raise RuntimeError("boom")
    assert len(requested) == count, "a rolled-back mark asks for nothing"
    # a re-plan clears the mark; a mark renewed while it ran survives
    with runtime.transaction() as session:
        seen = dirty.generation(session, today)
        dirty.mark_dirty(session, trigger("visit_started"), days=[today])
    with runtime.transaction() as session:
        assert dirty.clear(session, today, seen) is False
    service.replan(runtime, today, "clears")
    with runtime.transaction() as session:
        assert dirty.generation(session, today) is None


def test_a_mark_is_written_last_so_it_holds_the_days_row_only_for_the_commit(runtime: SchedulingRuntime) -> None:
    """Marking takes the day's row lock until the commit: written at once, a batch of events held
    it for the whole batch and every other transaction marking that day waited (on PostgreSQL the
    event worker's threads queued there). Written just before the commit, and before this
    transaction reads a mark, with the first reason standing for the lot."""
    written: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "plan_dirty" in statement and statement.lstrip().upper().startswith("INSERT"):
            written.append(statement)

    engine_ = runtime.engine
    event.listen(engine_, "before_cursor_execute", count)
    try:
        with runtime.transaction() as session:
            far = dirty.today(dirty.city_timezone(session)) + timedelta(days=20)
            dirty.mark_dirty(session, trigger("visit_done"), [far])
            dirty.mark_dirty(session, trigger("crew_added", crew="Ploeg 9"), [far, far + timedelta(days=1)])
            session.execute(select(StreetState.street_id).limit(1))  # the rest of the transaction's work
            assert written == []
        assert len(written) == 2  # at the commit: one statement per reason
        with runtime.transaction() as session:
            assert dirty.reason(session, far) == trigger("visit_done")
            assert dirty.reason(session, far + timedelta(days=1)) == trigger("crew_added", crew="Ploeg 9")
            dirty.mark_dirty(session, trigger("visit_done"), [far + timedelta(days=2)])
            assert dirty.generation(session, far + timedelta(days=2)) == 1  # its own mark, read back
            session.execute(delete(PlanDirty).where(PlanDirty.plan_date >= far))
    finally:
        event.remove(engine_, "before_cursor_execute", count)


def test_a_burst_of_requests_sends_one_debounced_task(runtime: SchedulingRuntime, settings: Any) -> None:
    class Producer:
        def __init__(self) -> None:
            self.sent: list[tuple[str, list[str], str, float]] = []

        def send_task(self, name: str, args: list[str], queue: str, countdown: float) -> None:
            self.sent.append((name, args, queue, countdown))

    producer = Producer()
    requester = dirty.ReplanRequester(producer, runtime.redis, debounce_seconds=30)
    day = date(2030, 1, 2)
    for _ in range(20):
        requester([day, day + timedelta(days=1)])
    assert producer.sent == [
        ("scheduling.replan_day", ["2030-01-02"], "scheduling.planning", 30),
        ("scheduling.replan_day", ["2030-01-03"], "scheduling.planning", 30),
    ]


def test_a_burst_asks_redis_once_per_day_and_window_and_again_after_it(runtime: SchedulingRuntime) -> None:
    class CountingRedis:
        """The real Redis, with its SETs counted."""

        def __init__(self, redis: Any) -> None:
            self.redis, self.sets = redis, 0

        def set(self, *args: Any, **kwargs: Any) -> Any:
            self.sets += 1
            return self.redis.set(*args, **kwargs)

    class Producer:
        def __init__(self) -> None:
            self.sent: list[list[str]] = []

        def send_task(self, name: str, args: list[str], queue: str, countdown: float) -> None:
            self.sent.append(args)

    redis, producer = CountingRedis(runtime.redis), Producer()
    requester = dirty.ReplanRequester(producer, redis, debounce_seconds=0.5)
    day = date(2031, 3, 4)
    for _ in range(50):
        requester([day])
    assert (redis.sets, producer.sent) == (1, [["2031-03-04"]])
    time.sleep(0.6)  # the window is over: the key has expired, a new event asks again
    requester([day])
    assert (redis.sets, producer.sent) == (2, [["2031-03-04"], ["2031-03-04"]])


def test_safety_net_plans_dirty_days_and_days_without_a_plan(runtime: SchedulingRuntime) -> None:
    results = service.replan_dirty(runtime)
    with runtime.transaction() as session:
        today = dirty.today(dirty.city_timezone(session))
        assert dirty.dirty_days(session) == []
    assert {r.plan_date for r in results} >= {today, today + timedelta(days=1)}
    assert all(r.version == 1 for r in results)
    assert service.replan_dirty(runtime) == []


# --- through the HTTP API -------------------------------------------------------------


def auth(role: Role = Role.DISPATCHER) -> dict[str, str]:
    token, _ = issue_token(TEST_TOKEN_SECRET, "staff:1", role, 600)
    return {"Authorization": f"Bearer {token}"}


def replan_now(client: TestClient, day: str) -> dict[str, Any]:
    """A dispatcher's "re-plan now" (202, a job), carried out as the planner worker would, and the
    job as the dispatcher then sees it (done, with the version)."""
    asked = client.post(f"/api/v1/scheduling/plans/{day}/replan", headers=auth())
    assert asked.status_code == 202, asked.text
    runtime: SchedulingRuntime = cast(FastAPI, client.app).state.runtime
    service.replan(runtime, date.fromisoformat(day))
    job: dict[str, Any] = client.get(asked.headers["location"], headers=auth()).json()
    assert job["status"] == "done", job
    return job


@pytest.fixture
def client(settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=SERVICE_HEADERS) as test_client:
        yield test_client


def test_crews_crud_and_absences(client: TestClient) -> None:
    crews = client.get("/api/v1/scheduling/crews", headers=auth()).json()
    assert {c["mode"] for c in crews} == {"foot", "sweeper", "bulky_truck"}
    body = {
        "name": "Night crew",
        "size": 3,
        "mode": "sweeper",
        "depot_lat": 60.17,
        "depot_lon": 24.94,
        "shifts": {"mon": {"start": "20:00", "end": "23:30"}},
    }
    created = client.post("/api/v1/scheduling/crews", json=body, headers=auth())
    assert created.status_code == 201, created.text
    crew_id = created.json()["id"]
    assert client.post("/api/v1/scheduling/crews", json=body, headers=auth()).status_code == 409
    bad = client.post(
        "/api/v1/scheduling/crews",
        json={**body, "name": "x", "shifts": {"mon": {"start": "10:00", "end": "09:00"}}},
        headers=auth(),
    )
    assert bad.status_code == 422
    patched = client.patch(f"/api/v1/scheduling/crews/{crew_id}", json={"size": 4}, headers=auth()).json()
    assert patched["size"] == 4 and patched["mode"] == "sweeper"
    off = client.post(f"/api/v1/scheduling/crews/{crew_id}/absences", json={"day": "2030-01-07"}, headers=auth())
    assert off.status_code == 201
    assert (
        client.get(f"/api/v1/scheduling/crews/{crew_id}", headers=auth()).json()["absences"][0]["day"] == "2030-01-07"
    )
    assert client.delete(f"/api/v1/scheduling/crews/{crew_id}/absences/2030-01-07", headers=auth()).status_code == 204
    assert client.delete(f"/api/v1/scheduling/crews/{crew_id}", headers=auth()).status_code == 204
    assert client.get(f"/api/v1/scheduling/crews/{crew_id}", headers=auth()).status_code == 404
    assert client.get("/api/v1/scheduling/crews").status_code == 401
    assert client.get("/api/v1/scheduling/crews", headers=auth(Role.VOLUNTEER)).status_code == 403


def test_idempotency_key_makes_one_crew_one_absence_and_one_staff_account(client: TestClient) -> None:
    body = {
        "name": "Retry crew",
        "size": 2,
        "mode": "foot",
        "depot_lat": 60.17,
        "depot_lon": 24.94,
        "shifts": {"tue": {"start": "07:00", "end": "15:00"}},
    }
    keyed = {**auth(), "Idempotency-Key": "crew-create-1"}
    first = client.post("/api/v1/scheduling/crews", json=body, headers=keyed)
    again = client.post("/api/v1/scheduling/crews", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    names = [c["name"] for c in client.get("/api/v1/scheduling/crews", headers=auth()).json()]
    assert names.count("Retry crew") == 1
    misuse = client.post("/api/v1/scheduling/crews", json={**body, "name": "Other"}, headers=keyed)
    assert misuse.status_code == 422 and "different request" in misuse.json()["detail"]
    absence = f"/api/v1/scheduling/crews/{first.json()['id']}/absences"
    off = {**auth(), "Idempotency-Key": "absence-1"}
    assert client.post(absence, json={"day": "2030-02-05"}, headers=off).status_code == 201
    assert client.post(absence, json={"day": "2030-02-05"}, headers=off).status_code == 201
    crew = client.get(f"/api/v1/scheduling/crews/{first.json()['id']}", headers=auth()).json()
    assert [a["day"] for a in crew["absences"]] == ["2030-02-05"]
    staff = {"email": "new.inspector@test.example", "name": "New", "role": "inspector", "password": "long-password-1"}
    admin_key = {**auth(Role.ADMIN), "Idempotency-Key": "staff-1"}
    made = [client.post("/api/v1/scheduling/staff", json=staff, headers=admin_key) for _ in range(2)]
    assert [m.status_code for m in made] == [201, 201] and made[0].json() == made[1].json()
    assert client.post("/api/v1/scheduling/staff", json=staff, headers=auth(Role.ADMIN)).status_code == 409


def test_district_targets_change_the_street_target(client: TestClient) -> None:
    targets = client.get("/api/v1/scheduling/district-targets", headers=auth()).json()
    district = targets[0]["district"]
    assert targets[0]["target_level"] == "B" and targets[0]["is_default"]
    answer = client.put(f"/api/v1/scheduling/district-targets/{district}", json={"target_level": "A"}, headers=auth())
    assert answer.status_code == 200, answer.text
    assert (
        client.put(
            "/api/v1/scheduling/district-targets/Nowhere", json={"target_level": "A"}, headers=auth()
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/scheduling/district-targets/{district}", json={"target_level": "D"}, headers=auth()
        ).status_code
        == 422
    )
    street = client.get("/api/v1/scheduling/streets", params={"district": district, "limit": 1}).json()["items"][0]
    assert client.get(f"/api/v1/scheduling/streets/{street['id']}").json()["target_level"] == "A"
    features = client.get("/api/v1/scheduling/street-map", headers=auth()).json()["features"]
    assert len(features) == 336
    assert {f["properties"]["target"] for f in features if f["properties"]["district"] == district} == {"A"}
    assert set(features[0]["properties"]) >= {"level", "target", "adopted", "open_reports", "name"}


def test_the_plan_previews_the_streets_coming_due_on_the_next_days_of_the_horizon(client: TestClient) -> None:
    day = client.get("/api/v1/scheduling/plan-days", headers=auth()).json()["today"]
    replan_now(client, day)
    body = client.get(f"/api/v1/scheduling/plans/{day}", headers=auth()).json()
    start = date.fromisoformat(day)
    assert [h["date"] for h in body["horizon"]] == [(start + timedelta(days=k)).isoformat() for k in range(1, 5)]
    districts = {d["name"] for d in client.get("/api/v1/scheduling/districts").json()}
    rows = [row for h in body["horizon"] for row in h["districts"]]
    assert rows, "the demo city has streets coming due this week"
    assert {row["district"] for row in rows} <= districts
    assert all(row["streets"] >= 1 and row["hours"] > 0 for row in rows)
    planned = {v["street_id"] for c in body["crews"] for v in c["visits"]}
    assert sum(row["streets"] for row in rows) + len(planned) <= 336, "a street planned today is not previewed"


def test_the_plan_shows_each_districts_baseline_and_the_hours_added_or_withdrawn(client: TestClient) -> None:
    baselines = client.get("/api/v1/scheduling/district-baselines", headers=auth()).json()
    assert baselines and all(b["is_default"] and b["hours_per_week"] is None for b in baselines)
    district = baselines[0]["district"]
    put = client.put(f"/api/v1/scheduling/district-baselines/{district}", json={"hours_per_week": 35.0}, headers=auth())
    assert put.status_code == 200 and put.json() == {"district": district, "hours_per_week": 35.0, "is_default": False}
    bad = client.put(f"/api/v1/scheduling/district-baselines/{district}", json={"hours_per_week": -1}, headers=auth())
    assert bad.status_code == 422
    missing = client.put("/api/v1/scheduling/district-baselines/Atlantis", json={"hours_per_week": 1}, headers=auth())
    assert missing.status_code == 404

    day = client.get("/api/v1/scheduling/plan-days", headers=auth()).json()["today"]
    replan_now(client, day)
    body = client.get(f"/api/v1/scheduling/plans/{day}", headers=auth()).json()
    figures = {d["district"]: d for d in body["districts"]}
    assert figures[district]["baseline_hours"] == 5.0  # 35 a week, a seventh a day
    for row in figures.values():
        assert row["added_hours"] >= 0 and row["withdrawn_hours"] >= 0
        assert abs(row["planned_hours"] - row["baseline_hours"] - row["added_hours"] + row["withdrawn_hours"]) < 0.02
    visits = [v for c in body["crews"] for v in c["visits"]]
    assert visits and all(
        v["reason"].endswith(("; within the district's baseline", "; added beyond the district's baseline"))
        for v in visits
    )
    planned = sum(r["planned_hours"] for r in figures.values())
    routes = sum(c["travel_seconds"] + c["service_seconds"] for c in body["crews"]) / 3600.0
    assert abs(planned - routes) < 0.05, "the district figures account for every planned crew hour"
    sent = [c for c in body["crews"] if c["visits"]]
    assert body["crew_shifts"] == len(sent) >= 1
    assert body["route_hours"] == pytest.approx(routes, abs=0.02)
    paid_day = 8 * 3600
    shift_seconds = [
        min(
            (datetime.fromisoformat(c["shift_end"]) - datetime.fromisoformat(c["shift_start"])).total_seconds(),
            paid_day,
        )
        for c in sent
    ]
    assert body["shift_hours"] == pytest.approx(sum(shift_seconds) / 3600.0, abs=0.01)
    assert body["shift_hours"] >= body["route_hours"]


def test_plan_endpoints_exports_and_visit_done(client: TestClient) -> None:
    days = client.get("/api/v1/scheduling/plan-days", headers=auth()).json()
    day = days["today"]
    being_made = client.get(f"/api/v1/scheduling/plans/{day}", headers=auth())  # today: always planned
    assert being_made.status_code == 202 and being_made.json()["status"] == "planning", being_made.text
    assert int(being_made.headers["retry-after"]) > 0
    assert client.get("/api/v1/scheduling/plans/2001-01-01", headers=auth()).status_code == 404  # never planned
    assert replan_now(client, day)["version"] == 1
    plan_body = client.get(f"/api/v1/scheduling/plans/{day}", headers=auth()).json()
    crew = next(c for c in plan_body["crews"] if c["visits"])
    visit = crew["visits"][0]
    assert {"eta", "eta_local", "reason", "status", "lat", "lon"} <= set(visit)
    csv_text = client.get(f"/api/v1/scheduling/plans/{day}/export.csv", headers=auth())
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.splitlines()[0].startswith("plan_date,version,crew_id")
    assert len(csv_text.text.splitlines()) == 1 + plan_body["visits"]
    geo = client.get(f"/api/v1/scheduling/plans/{day}/export.geojson", headers=auth()).json()
    assert geo["type"] == "FeatureCollection"
    assert {f["properties"]["feature"] for f in geo["features"]} == {"visit", "route"}
    page = client.get(f"/api/v1/scheduling/plans/{day}/crews/{crew['id']}/print", headers=auth())
    assert page.headers["content-type"].startswith("text/html")
    assert crew["name"] in page.text and visit["street_name"] in page.text and "<script" not in page.text
    assert client.get(f"/api/v1/scheduling/plans/{day}/crews/99999/print", headers=auth()).status_code == 404
    started = client.post(f"/api/v1/scheduling/visits/{visit['visit_id']}/start", headers=auth()).json()
    assert started["status"] == "started"
    refused = client.post(
        f"/api/v1/scheduling/visits/{visit['visit_id']}/done", json={"level_found": "E"}, headers=auth()
    )
    assert refused.status_code == 422 and "level_found" in refused.text, refused.text
    done = client.post(
        f"/api/v1/scheduling/visits/{visit['visit_id']}/done", json={"level_found": "C"}, headers=auth()
    ).json()
    assert done["status"] == "done" and done["completed_at"] and done["level_found"] == "C"
    history_body = client.get(f"/api/v1/scheduling/streets/{visit['street_id']}/history", headers=auth()).json()
    assert history_body["visits"][0]["visit_id"] == visit["visit_id"]
    assert client.post("/api/v1/scheduling/visits/999999/done", headers=auth()).status_code == 404
    replan_now(client, day)
    versions = client.get(f"/api/v1/scheduling/plans/{day}/versions", headers=auth()).json()
    assert [v["version"] for v in versions] == [1, 2]
    diff = client.get(f"/api/v1/scheduling/plans/{day}/versions/2/diff", headers=auth()).json()
    assert diff["against"] == 1 and isinstance(diff["changes"], list)
    again = client.get(f"/api/v1/scheduling/plans/{day}", headers=auth()).json()
    kept = next(v for c in again["crews"] for v in c["visits"] if v["visit_id"] == visit["visit_id"])
    assert kept["status"] == "done" and kept["fixed"]
    assert client.post("/api/v1/scheduling/plans/2001-01-01/replan", headers=auth()).status_code == 422


def test_the_city_plans_with_the_products_policy_unless_its_settings_set_a_knob(runtime: SchedulingRuntime) -> None:
    def settings(**knobs: float | None) -> SchedulingSettings:
        return runtime.settings.model_copy(update=knobs)

    assert (
        service.policy(settings(effort_level=None, crew_shift_share=None, horizon_days=None)) == engine.DEFAULT_POLICY
    )
    tuned = service.policy(settings(effort_level=0.5, crew_shift_share=0.1, horizon_days=1))
    assert (tuned.effort_level, tuned.crew_shift_share, tuned.horizon_days) == (0.5, 0.1, 1)
    assert tuned.seconds_per_shortfall_metre == engine.DEFAULT_POLICY.seconds_per_shortfall_metre
    with pytest.raises(ValidationError, match="effort_level"):
        SchedulingSettings.model_validate({**runtime.settings.model_dump(), "effort_level": 0})
    with pytest.raises(ValidationError, match="horizon_days"):
        SchedulingSettings.model_validate({**runtime.settings.model_dump(), "horizon_days": 0})


def test_a_crew_on_call_all_day_is_paid_one_working_day_in_the_plans_figures() -> None:
    def crew(start: str, end: str, out: bool) -> dict[str, Any]:
        return {
            "shift_start": f"2026-12-07T{start}:00+02:00",
            "shift_end": f"2026-12-07T{end}:00+02:00",
            "returns_at": f"2026-12-07T{start}:00+02:00" if out else None,
            "travel_seconds": 1800,
            "service_seconds": 5400,
        }

    figures = service._crew_effort(
        [crew("00:00", "23:59", True), crew("07:00", "11:00", True), crew("06:00", "08:00", False)]
    )
    assert figures == {"route_hours": 4.0, "crew_shifts": 2, "shift_hours": 12.0}
