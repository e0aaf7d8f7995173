"""The dispatcher's day in the scheduling service: pin, move (crew and/or day) and drop a visit,
honoured by the next re-plan and taken back; validation in words a person can act on (with a
catalogue code the pages show in nl/en); undoing a done made by mistake; bags collected."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from conftest import bearer, scheduling_runtime
from kernel.auth import Role
from services.scheduling.dirty import service as dirty
from services.scheduling.dirty.models import PlanDirty
from services.scheduling.history import service as history
from services.scheduling.plans import service
from services.scheduling.settings import SchedulingRuntime
from services.scheduling.state.models import StreetReport, StreetState
from services.scheduling.tests.test_planner import a_planned_clean, file_reports, replan_now

API = "/api/v1/scheduling"


@pytest.fixture
def runtime(demo_settings: Any) -> Iterator[SchedulingRuntime]:
    with scheduling_runtime(demo_settings) as running:
        yield running


def auth(role: Role = Role.DISPATCHER) -> dict[str, str]:
    return bearer(role, "staff:7")


def replan(demo_client: TestClient, day: str) -> dict[str, Any]:
    replan_now(demo_client, day)
    plan = demo_client.get(f"{API}/plans/{day}", headers=auth())
    assert plan.status_code == 200, plan.text
    body: dict[str, Any] = plan.json()
    return body


def where(plan: dict[str, Any], candidate_id: str) -> tuple[int, dict[str, Any]] | None:
    for crew in plan["crews"]:
        for visit in crew["visits"]:
            if visit["candidate_id"] == candidate_id:
                return crew["id"], visit
    return None


def foot_crews(demo_client: TestClient) -> list[dict[str, Any]]:
    crews = demo_client.get(f"{API}/crews", headers=auth()).json()
    return sorted((c for c in crews if c["mode"] == "foot"), key=lambda c: c["name"])


def busiest_first(plan: dict[str, Any], crews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    count = {c["id"]: len(c["visits"]) for c in plan["crews"]}
    return sorted(crews, key=lambda c: -count.get(c["id"], 0))


def dirty_days(demo_client: TestClient) -> list[str]:
    days: list[str] = demo_client.get(f"{API}/plan-days", headers=auth()).json()["dirty"]
    return days


def test_pin_move_and_drop_are_honoured_by_the_replan_and_can_be_taken_back(demo_client: TestClient) -> None:
    days = demo_client.get(f"{API}/plan-days", headers=auth()).json()
    day, next_day = days["today"], days["tomorrow"]  # the foot crews work every day
    first = replan(demo_client, day)
    crew_a, crew_b = busiest_first(first, foot_crews(demo_client))
    a_visits = next(c for c in first["crews"] if c["id"] == crew_a["id"])["visits"]
    assert len(a_visits) >= 4, "the busier demo foot crew has work"
    dropped, pinned, to_tomorrow, moved = a_visits[0], a_visits[1], a_visits[2], a_visits[-1]

    made = demo_client.post(f"{API}/visits/{moved['visit_id']}/move", json={"crew_id": crew_b["id"]}, headers=auth())
    assert made.status_code == 201, made.text
    assert [(d["kind"], d["crew_id"], d["plan_date"]) for d in made.json()] == [("pin", crew_b["id"], day)]
    assert demo_client.post(f"{API}/visits/{pinned['visit_id']}/pin", headers=auth()).status_code == 201
    assert demo_client.post(f"{API}/visits/{dropped['visit_id']}/drop", headers=auth()).status_code == 201
    later = demo_client.post(
        f"{API}/visits/{to_tomorrow['visit_id']}/move",
        json={"crew_id": crew_b["id"], "plan_date": next_day},
        headers=auth(),
    )
    assert later.status_code == 201, later.text
    assert sorted((d["kind"], d["plan_date"]) for d in later.json()) == [("drop", day), ("pin", next_day)]
    assert {day, next_day} <= set(dirty_days(demo_client)), "each directive asks for a re-plan of the days it touches"

    second = replan(demo_client, day)
    crew_of_moved = where(second, moved["candidate_id"])
    assert crew_of_moved is not None and crew_of_moved[0] == crew_b["id"], "the moved visit is on the other crew"
    assert crew_of_moved[1]["fixed"] and crew_of_moved[1]["directive"] == "pin"
    crew_of_pinned = where(second, pinned["candidate_id"])
    assert crew_of_pinned is not None and crew_of_pinned[0] == crew_a["id"] and crew_of_pinned[1]["fixed"]
    assert where(second, dropped["candidate_id"]) is None, "a dropped visit is not planned that day"
    assert where(second, to_tomorrow["candidate_id"]) is None, "a visit moved to tomorrow leaves today"
    assert {r["visit_id"] for r in second["removed_visits"]} >= {dropped["visit_id"], to_tomorrow["visit_id"]}
    assert {d["kind"] for d in second["directives"]} == {"pin", "drop"}

    tomorrow = replan(demo_client, next_day)
    on_tomorrow = where(tomorrow, to_tomorrow["candidate_id"])
    assert on_tomorrow is not None and on_tomorrow[0] == crew_b["id"], "moved to crew B tomorrow, pinned there"
    assert on_tomorrow[1]["fixed"] and on_tomorrow[1]["moved_from"] == day

    # taking back: undrop, and the move to tomorrow (both its halves)
    drop_id = next(d["directive_id"] for d in second["directives"] if d["candidate_id"] == dropped["candidate_id"])
    assert demo_client.delete(f"{API}/directives/{drop_id}", headers=auth()).status_code == 204
    pin_id = on_tomorrow[1]["directive_id"]
    assert demo_client.delete(f"{API}/directives/{pin_id}", headers=auth()).status_code == 204
    left_today = {d["candidate_id"] for d in demo_client.get(f"{API}/plans/{day}/directives", headers=auth()).json()}
    assert left_today == {moved["candidate_id"], pinned["candidate_id"]}
    assert demo_client.get(f"{API}/plans/{next_day}/directives", headers=auth()).json() == []
    assert {day, next_day} <= set(dirty_days(demo_client))
    third = replan(demo_client, next_day)
    again = where(third, to_tomorrow["candidate_id"])
    assert again is None or not again[1]["fixed"], "unpinned: the optimiser decides again"
    assert demo_client.delete(f"{API}/directives/{pin_id}", headers=auth()).status_code == 404


def test_a_pin_on_a_crew_that_goes_absent_is_shown_as_not_honoured_and_planned_freely(demo_client: TestClient) -> None:
    day = demo_client.get(f"{API}/plan-days", headers=auth()).json()["today"]
    first = replan(demo_client, day)
    crew_a, _crew_b = busiest_first(first, foot_crews(demo_client))
    visit = next(c for c in first["crews"] if c["id"] == crew_a["id"])["visits"][0]
    assert demo_client.post(f"{API}/visits/{visit['visit_id']}/pin", headers=auth()).status_code == 201
    absent = demo_client.post(f"{API}/crews/{crew_a['id']}/absences", json={"day": day}, headers=auth())
    assert absent.status_code == 201, absent.text
    second = replan(demo_client, day)
    assert crew_a["id"] not in {c["id"] for c in second["crews"]}
    assert [d["honoured"] for d in second["directives"]] == [False]


def test_directives_are_validated_with_a_human_message_and_a_catalogue_code(demo_client: TestClient) -> None:
    days = demo_client.get(f"{API}/plan-days", headers=auth()).json()
    day = days["today"]
    first = replan(demo_client, day)
    crew_a, crew_b = busiest_first(first, foot_crews(demo_client))
    crews = {c["mode"]: c for c in demo_client.get(f"{API}/crews", headers=auth()).json()}
    visit = next(v for c in first["crews"] if c["id"] == crew_a["id"] for v in c["visits"] if v["kind"] == "clean")

    def refused(path: str, body: dict[str, Any] | None, status: int, code: str) -> dict[str, Any]:
        answer = demo_client.post(f"{API}{path}", json=body, headers=auth())
        assert answer.status_code == status, answer.text
        problem: dict[str, Any] = answer.json()
        assert problem["code"] == code and len(problem["detail"]) > 10, problem
        return problem

    refused("/visits/999999/pin", None, 404, "visit_unknown")
    refused(f"/visits/{visit['visit_id']}/move", {"crew_id": 999999}, 404, "crew_unknown")
    yesterday = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    past = refused(
        f"/visits/{visit['visit_id']}/move", {"crew_id": crew_b["id"], "plan_date": yesterday}, 422, "past_day"
    )
    assert past["params"] == {"day": yesterday, "field": "plan_date"}
    far = (date.fromisoformat(day) + timedelta(days=30)).isoformat()
    refused(f"/visits/{visit['visit_id']}/move", {"crew_id": crew_b["id"], "plan_date": far}, 422, "too_far_ahead")
    refused(f"/visits/{visit['visit_id']}/move", {"crew_id": crews["bulky_truck"]["id"]}, 422, "crew_wrong_mode")
    demo_client.post(f"{API}/crews/{crew_b['id']}/absences", json={"day": day}, headers=auth())
    off = refused(f"/visits/{visit['visit_id']}/move", {"crew_id": crew_b["id"]}, 422, "crew_off_duty")
    assert off["params"]["crew"] == crew_b["name"] and off["params"]["field"] == "crew_id"
    bad = demo_client.post(f"{API}/visits/{visit['visit_id']}/move", json={"crew_id": "x"}, headers=auth())
    assert bad.status_code == 422 and "crew_id" in bad.json()["detail"]
    assert demo_client.post(f"{API}/visits/{visit['visit_id']}/pin", headers=auth(Role.VOLUNTEER)).status_code == 403
    assert demo_client.delete(f"{API}/directives/999999", headers=auth()).status_code == 404
    done = demo_client.post(f"{API}/visits/{visit['visit_id']}/done", json={"bags_collected": 2}, headers=auth())
    assert done.status_code == 200 and done.json()["bags_collected"] == 2
    refused(f"/visits/{visit['visit_id']}/drop", None, 409, "visit_under_way")
    refused("/visits/999999/undo-done", None, 404, "visit_unknown")
    too_many = demo_client.post(f"{API}/visits/{visit['visit_id']}/done", json={"bags_collected": -1}, headers=auth())
    assert too_many.status_code == 422
    assert demo_client.get(f"{API}/plans/{day}/directives", headers=auth()).json() == [], "nothing refused was stored"


def test_undo_done_puts_the_visit_street_estimate_history_and_reports_back(runtime: SchedulingRuntime) -> None:
    with runtime.transaction() as session:
        day = dirty.today(dirty.city_timezone(session))
    visit = a_planned_clean(runtime, day)
    file_reports(runtime, visit["street_id"], 2, first_id=91_000)
    with runtime.transaction() as session:
        before = session.get(StreetState, visit["street_id"])
        assert before is not None
        estimate_before, visited_before = dict(before.estimate), before.last_visited_at
        causes_before = [e["cause"] for e in history.street_history(session, visit["street_id"])["estimates"]]
        done = service.complete_visit(session, visit["visit_id"], bags_collected=4)
        assert done.bags_collected == 4
    with runtime.transaction() as session:
        assert history.street_history(session, visit["street_id"])["visits"][0]["status"] == "done"
        session.execute(delete(PlanDirty))
        undone = service.undo_done(session, visit["visit_id"])
        assert (undone.status, undone.completed_at, undone.bags_collected) == ("planned", None, None)
    with runtime.transaction() as session:
        after = session.get(StreetState, visit["street_id"])
        assert after is not None
        assert after.estimate == estimate_before and after.last_visited_at == visited_before
        page = history.street_history(session, visit["street_id"])
        assert [e["cause"] for e in page["estimates"]] == causes_before, "the undone clean leaves no snapshot"
        assert all(v["visit_id"] != visit["visit_id"] for v in page["visits"])
        reports = session.scalars(select(StreetReport).where(StreetReport.report_id.in_([91_000, 91_001]))).all()
        assert {r.status for r in reports} == {"open"}
        assert day in dirty.dirty_days(session), "the day is re-planned"
    with runtime.transaction() as session, pytest.raises(Exception, match="not done"):
        service.undo_done(session, visit["visit_id"])


def test_undo_is_refused_when_the_street_changed_after_the_done(runtime: SchedulingRuntime) -> None:
    with runtime.transaction() as session:
        day = dirty.today(dirty.city_timezone(session))
    visit = a_planned_clean(runtime, day)
    with runtime.transaction() as session:
        service.complete_visit(session, visit["visit_id"])
    file_reports(runtime, visit["street_id"], 1, first_id=92_000)
    with runtime.transaction() as session:
        with pytest.raises(Exception, match="estimate changed") as refused:
            service.undo_done(session, visit["visit_id"])
        assert getattr(refused.value, "code", None) == "estimate_changed"
