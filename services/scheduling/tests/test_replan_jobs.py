"""A dispatcher's "re-plan now" is a job (issue 17): 202 with the stored job and its URL, the same
job while it is open, the planner's side (running → done with the version, or failed), and a job
whose message to the planner was lost (Redis down) carried out by beat's sweep of dirty days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import bearer
from kernel.auth import Role
from kernel.bus import make_producer, make_redis
from services.scheduling.dirty import service as dirty
from services.scheduling.planning import engine
from services.scheduling.plans import service
from services.scheduling.replan_jobs import service as replan_jobs
from services.scheduling.replan_jobs.models import ReplanJob
from services.scheduling.settings import SchedulingRuntime

API = "/api/v1/scheduling"


def auth(role: Role = Role.DISPATCHER) -> dict[str, str]:
    return bearer(role, "staff:7")


def runtime_of(demo_client: TestClient) -> SchedulingRuntime:
    runtime: SchedulingRuntime = cast(FastAPI, demo_client.app).state.runtime
    return runtime


def today(demo_client: TestClient) -> str:
    day: str = demo_client.get(f"{API}/plan-days", headers=auth()).json()["today"]
    return day


def test_replan_answers_202_with_the_stored_job_the_same_while_open_and_done_by_the_planner(
    demo_client: TestClient, demo_settings: Any
) -> None:
    day = today(demo_client)
    redis = make_redis(demo_settings.redis_url)
    queued_before = int(redis.llen(dirty.PLANNING_QUEUE))

    asked = demo_client.post(f"{API}/plans/{day}/replan", headers=auth())
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["status"] == "queued" and job["plan_date"] == day and job["version"] is None
    assert asked.headers["location"] == f"{API}/replan-jobs/{job['job_id']}" == job["url"]
    assert int(asked.headers["retry-after"]) >= 1
    assert job["requested_by"] == "staff:7"
    # stored before the answer, the day marked dirty, and the planner asked at once (no debounce)
    seen = demo_client.get(asked.headers["location"], headers=auth())
    assert seen.status_code == 200 and seen.json()["status"] == "queued", seen.text
    assert day in demo_client.get(f"{API}/plan-days", headers=auth()).json()["dirty"]
    assert int(redis.llen(dirty.PLANNING_QUEUE)) == queued_before + 1

    again = demo_client.post(f"{API}/plans/{day}/replan", headers=auth())
    assert again.status_code == 202 and again.json()["job_id"] == job["job_id"]
    assert int(redis.llen(dirty.PLANNING_QUEUE)) == queued_before + 1, "asking again sends nothing new"

    result = service.replan(runtime_of(demo_client), date.fromisoformat(day))  # what the planner worker does
    done = demo_client.get(job["url"], headers=auth()).json()
    assert done["status"] == "done", done
    assert done["version"] == result.version == 1
    assert done["seconds"] is not None and done["seconds"] > 0
    assert done["started_at"] and done["finished_at"] and done["attempts"] == 1
    assert "planned in" in done["detail"]
    assert day not in demo_client.get(f"{API}/plan-days", headers=auth()).json()["dirty"]
    assert demo_client.get(f"{API}/plans/{day}", headers=auth()).json()["version"] == 1

    fresh = demo_client.post(f"{API}/plans/{day}/replan", headers=auth())
    assert fresh.status_code == 202 and fresh.json()["job_id"] != job["job_id"], "a closed job is not reused"
    assert fresh.json()["status"] == "queued"


def test_the_planner_shows_running_and_a_planner_that_died_leaves_the_job_to_the_next(
    demo_client: TestClient,
) -> None:
    day = today(demo_client)
    job = demo_client.post(f"{API}/plans/{day}/replan", headers=auth()).json()
    runtime = runtime_of(demo_client)
    with runtime.transaction() as session:
        assert replan_jobs.take(session, date.fromisoformat(day)) == [job["job_id"]]  # a planner took it, then died
    running = demo_client.get(job["url"], headers=auth()).json()
    assert running["status"] == "running" and running["seconds"] is not None and "planning for" in running["detail"]
    again = demo_client.post(f"{API}/plans/{day}/replan", headers=auth())
    assert again.json()["job_id"] == job["job_id"], "a running job is the day's job too"
    service.replan(runtime, date.fromisoformat(day))
    done = demo_client.get(job["url"], headers=auth()).json()
    assert done["status"] == "done" and done["attempts"] == 2 and done["version"] == 1


def test_a_failed_replan_fails_its_job_with_the_reason(
    demo_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = today(demo_client)
    job = demo_client.post(f"{API}/plans/{day}/replan", headers=auth()).json()

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the solver fell over")

    monkeypatch.setattr(engine, "plan_streets", broken)
    with pytest.raises(RuntimeError):
        service.replan(runtime_of(demo_client), date.fromisoformat(day))
    failed = demo_client.get(job["url"], headers=auth()).json()
    assert failed["status"] == "failed" and "the solver fell over" in failed["error"]
    assert "failed" in failed["detail"] and failed["version"] is None
    assert day in demo_client.get(f"{API}/plan-days", headers=auth()).json()["dirty"], "the day still waits"
    retry = demo_client.post(f"{API}/plans/{day}/replan", headers=auth()).json()
    assert retry["job_id"] != job["job_id"] and retry["status"] == "queued"


def test_a_job_whose_message_is_lost_with_redis_down_is_done_by_the_sweep(
    demo_client: TestClient, demo_settings: Any
) -> None:
    runtime = runtime_of(demo_client)
    dead_broker = make_producer("redis://127.0.0.1:9/0")  # nothing listens there: the send fails
    dirty.attach(runtime, demo_settings, requester=dirty.ReplanRequester(dead_broker, runtime.redis, 3.0))
    day = today(demo_client)
    redis = make_redis(demo_settings.redis_url)
    queued_before = int(redis.llen(dirty.PLANNING_QUEUE))
    asked = demo_client.post(f"{API}/plans/{day}/replan", headers=auth())
    assert asked.status_code == 202, asked.text  # stored; only the message to the planner is lost
    assert int(redis.llen(dirty.PLANNING_QUEUE)) == queued_before, "no message reached the planner"
    job = asked.json()
    assert demo_client.get(job["url"], headers=auth()).json()["status"] == "queued"
    assert day in demo_client.get(f"{API}/plan-days", headers=auth()).json()["dirty"]

    results = service.replan_dirty(runtime)  # beat's sweep (scheduling.replan_dirty)
    assert date.fromisoformat(day) in {r.plan_date for r in results}
    done = demo_client.get(job["url"], headers=auth()).json()
    assert done["status"] == "done" and done["version"] == 1, done
    with runtime.transaction() as session:
        stored = session.get(ReplanJob, job["job_id"])
        assert stored is not None and stored.status == "done" and stored.seconds is not None


def test_replan_refusals_are_4xx_in_words_and_for_dispatchers_only(demo_client: TestClient) -> None:
    day = date.fromisoformat(today(demo_client))
    past = demo_client.post(f"{API}/plans/2001-01-01/replan", headers=auth())
    assert past.status_code == 422 and past.json()["code"] == "past_day", past.text
    assert "2001-01-01 is in the past" in past.json()["detail"]
    far = demo_client.post(f"{API}/plans/{day + timedelta(days=30)}/replan", headers=auth())
    assert far.status_code == 422 and far.json()["code"] == "too_far_ahead", far.text
    bad_date = demo_client.post(f"{API}/plans/someday/replan", headers=auth())
    assert bad_date.status_code == 422
    unknown = demo_client.get(f"{API}/replan-jobs/00000000-0000-0000-0000-000000000000", headers=auth())
    assert unknown.status_code == 404 and unknown.json()["code"] == "replan_job_unknown", unknown.text
    assert "no re-plan job" in unknown.json()["detail"]
    assert demo_client.get(f"{API}/replan-jobs/{'x' * 40}", headers=auth()).status_code == 422
    for role in (Role.VOLUNTEER, Role.INSPECTOR, Role.RESIDENT):
        assert demo_client.post(f"{API}/plans/{day}/replan", headers=auth(role)).status_code == 403
    assert demo_client.post(f"{API}/plans/{day}/replan").status_code == 401
    job = demo_client.post(f"{API}/plans/{day}/replan", headers=auth()).json()
    assert demo_client.get(job["url"], headers=auth(Role.VOLUNTEER)).status_code == 403
    assert demo_client.get(job["url"]).status_code == 401
