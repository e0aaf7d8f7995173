"""The adaptive planner through the whole stack: reports and volunteer events re-plan the day.

Events reach scheduling over the real queues, mark today's and tomorrow's plans dirty, and the
debounced `scheduling.replan_day` task (worker, queue scheduling.planning) publishes new versions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from conftest import patient_get, replan_through_job, seed_demo_crews, wait_for
from kernel.bus import make_producer
from kernel.events import AdoptionChanged, PickLogged, consumer_queue, consumer_task, new_event
from streetcare.testing import Stack

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]
API = "/api/v1/scheduling"


def dispatcher_headers(stack: Stack) -> dict[str, str]:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/auth/login",
        json={"email": "dispatcher@test.example", "password": "dispatcher-password"},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def get_plan(stack: Stack, headers: dict[str, str], day: str) -> dict[str, Any] | None:
    """The day's latest version, or None while there is none (404) or the first is being made (202)."""
    answer = patient_get(f"{stack.gateway_url}{API}/plans/{day}", headers=headers)
    if answer.status_code in (202, 404):
        return None
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def planned_streets(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["candidate_id"]: v for crew in plan["crews"] for v in crew["visits"]}


def fresh_plan(stack: Stack, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Tomorrow's plan, made now. The stack is shared: other tests pin, move, drop and mark done
    visits on today's plan, which can crowd out the street a test here watches (one CI run timed out
    waiting for it on today's); tomorrow's plan carries fewer of them."""
    seed_demo_crews(stack)
    the_sweeper_works_all_day(stack, headers)
    days = patient_get(f"{stack.gateway_url}{API}/plan-days", headers=headers)
    assert days.status_code == 200, days.text
    day = days.json()["tomorrow"]
    replan_through_job(stack.gateway_url, headers, day)
    plan = get_plan(stack, headers, day)
    assert plan is not None
    return day, plan


def left_out(plan: dict[str, Any], skip: int = 0) -> list[int]:
    planned = planned_streets(plan)
    return [
        d["street_id"] for d in plan["dropped"] if d["candidate_id"].isdigit() and d["candidate_id"] not in planned
    ][skip:]


def the_sweeper_works_all_day(stack: Stack, headers: dict[str, str]) -> None:
    """The demo sweeper, out every day anyway, gets all day: a street becomes worth a crew's detour
    and cleaning long before it is worth a crew-shift of its own (the demo's 2-hour sweeper shift is
    full, and a crew that stays home rightly stays home for one street). With a crew out with time to
    spare, the tests are about what the events do to the street, not about how busy the city is."""
    crews = httpx.get(f"{stack.gateway_url}{API}/crews", headers=headers).json()
    sweeper = next(c for c in crews if c["mode"] == "sweeper")
    all_day = {d: {"start": "00:00", "end": "23:59"} for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    changed = httpx.patch(f"{stack.gateway_url}{API}/crews/{sweeper['id']}", json={"shifts": all_day}, headers=headers)
    assert changed.status_code == 200, changed.text


def test_a_street_reported_three_times_appears_in_the_next_plan_version(stack: Stack) -> None:
    headers = dispatcher_headers(stack)
    day, plan = fresh_plan(stack, headers)
    streets = {
        s["id"]: s for s in httpx.get(f"{stack.gateway_url}{API}/street-map", headers=headers).json()["features"]
    }
    target = None
    for street_id in left_out(plan):
        coords = streets[street_id]["geometry"]["coordinates"]
        lon, lat = coords[len(coords) // 2]
        first = httpx.post(
            f"{stack.gateway_url}/api/v1/reports/reports", json={"category": "litter", "lat": lat, "lon": lon}
        )
        assert first.status_code == 201, first.text
        if first.json()["street_id"] == street_id:
            target = (street_id, lat, lon)
            break
    assert target is not None, "no left-out street that a report at its middle snaps to"
    street_id, lat, lon = target
    for extra in ({"category": "overflowing_bin"}, {"category": "hazard", "attributes": {"hazard_kind": "glass"}}):
        answer = httpx.post(f"{stack.gateway_url}/api/v1/reports/reports", json={**extra, "lat": lat, "lon": lon})
        assert answer.status_code == 201 and answer.json()["street_id"] == street_id, answer.text

    seen_reasons: list[str] = []

    def on_a_newer_version() -> dict[str, Any] | None:
        # the first report alone may already trigger a version; the one to wait for counts all three
        latest = get_plan(stack, headers, day)
        if latest and latest["version"] > plan["version"] and str(street_id) in planned_streets(latest):
            reason = planned_streets(latest)[str(street_id)]["reason"]
            seen_reasons.append(reason)
            return latest if "3 reports" in reason else None
        return None

    latest = wait_for(
        on_a_newer_version, timeout=240, interval=1.0, message="a new plan version whose reason counts all 3 reports"
    )
    versions = httpx.get(f"{stack.gateway_url}{API}/plans/{day}/versions", headers=headers).json()
    assert versions[-1]["version"] == latest["version"]


def test_a_street_whose_volunteers_stop_picking_comes_onto_the_plan(stack: Stack) -> None:
    headers = dispatcher_headers(stack)
    day, plan = fresh_plan(stack, headers)
    street_id = left_out(plan, skip=5)[0]
    producer = make_producer(stack.redis_server.url)
    now = datetime.now(UTC)
    picks = [now - timedelta(days=28 + 7 * k) for k in range(6, -1, -1)]  # weekly, then nothing for four weeks
    adoption_id = 880_000 + street_id
    events = [
        new_event(
            "pick.logged",
            "volunteers",
            PickLogged(
                pick_id=adoption_id * 10 + n,
                street_ids=[street_id],
                picked_at=at,
                bags=1,
                minutes=20,
                volunteer_id=1,
            ),
        )
        for n, at in enumerate(picks)
    ]
    events.append(
        new_event(
            "adoption.started",
            "volunteers",
            AdoptionChanged(
                adoption_id=adoption_id,
                street_id=street_id,
                volunteer_id=1,
                rhythm="weekly",
                status="active",
                started_on=(now - timedelta(days=80)).date(),
                last_pick_at=picks[-1],
            ),
        )
    )
    try:
        for event in events:  # in order, as the volunteers service would have sent them over the weeks
            producer.send_task(
                consumer_task("scheduling"), args=[event.model_dump(mode="json")], queue=consumer_queue("scheduling")
            )
    finally:
        producer.close()

    def on_a_plan() -> dict[str, Any] | None:
        # the new crew alone may put the street on a version made before the events arrive;
        # the one to wait for is planned because its adopter went quiet
        latest = get_plan(stack, headers, day)
        visit = planned_streets(latest).get(str(street_id)) if latest else None
        return latest if visit and "no pick logged" in visit["reason"] else None

    latest = wait_for(on_a_plan, timeout=240, interval=1.0, message="the street nobody picks any more on a plan")
    assert "no pick logged for 4 weeks on a weekly adoption" in planned_streets(latest)[str(street_id)]["reason"]
    detail = httpx.get(f"{stack.gateway_url}{API}/streets/{street_id}").json()
    assert detail["adopted"] is True
    history = httpx.get(f"{stack.gateway_url}{API}/streets/{street_id}/history", headers=headers).json()
    assert len(history["picks"]) == len(picks)


def test_re_plan_now_is_a_job_the_planner_worker_takes_from_queued_to_done_with_a_new_version(stack: Stack) -> None:
    """POST …/replan answers 202 at once with the stored job; the planner worker (queue
    scheduling.planning only) makes the version; the job ends done with it and how long it took."""
    headers = dispatcher_headers(stack)
    day, before = fresh_plan(stack, headers)
    asked = httpx.post(f"{stack.gateway_url}{API}/plans/{day}/replan", headers=headers, timeout=30)
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["status"] == "queued" and job["plan_date"] == day
    url = stack.gateway_url + asked.headers["location"]
    again = httpx.post(f"{stack.gateway_url}{API}/plans/{day}/replan", headers=headers, timeout=30)
    assert again.status_code == 202
    if again.json()["status"] in ("queued", "running"):  # still open: the same job
        assert again.json()["job_id"] == job["job_id"]

    seen: list[str] = []

    def ended() -> dict[str, Any] | None:
        current: dict[str, Any] = patient_get(url, headers=headers).json()
        seen.append(current["status"])
        return current if current["status"] in ("done", "failed") else None

    done = wait_for(ended, timeout=180, interval=0.2, message="the re-plan job done")
    assert done["status"] == "done", done
    assert set(seen) <= {"queued", "running", "done"}
    assert done["version"] > before["version"] and done["seconds"] > 0 and done["attempts"] == 1
    latest = get_plan(stack, headers, day)
    assert latest is not None and latest["version"] >= done["version"]
