"""The dispatcher's map asks for the streets in view, and the work queue's "below target, nobody
covering" is worked out on the server: a city of 20,000 streets works without sending it whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from conftest import SERVICE_HEADERS, bearer, scheduling_runtime
from kernel.auth import Role
from kernel.events import InspectionRecorded
from services.scheduling.app import create_app
from services.scheduling.planning import estimator
from services.scheduling.planning.levels import Level
from services.scheduling.settings import SchedulingRuntime
from services.scheduling.state import service as state
from services.scheduling.state.models import StreetAdoption, StreetState
from services.scheduling.streets.models import Street
from services.scheduling.tests.test_planner import replan_now

API = "/api/v1/scheduling"
ROWS, COLUMNS = 100, 200
STEP = 0.001  # about 110 m north-south, 55 m east-west at 60° N
SOUTH, WEST = 60.0, 24.0
DIRTY_EVERY = 50
"""Every 50th street was inspected at D: 400 streets below their target (B)."""
ADOPTED_EVERY = 200
"""Of those, every 200th street is adopted: someone covers it."""


def dispatcher() -> dict[str, str]:
    return bearer(Role.DISPATCHER, "staff:7")


def centroid(number: int) -> tuple[float, float]:
    return SOUTH + (number // COLUMNS) * STEP, WEST + (number % COLUMNS) * STEP


@pytest.fixture
def big_city(migrated: dict[str, Any]) -> Iterator[TestClient]:
    settings = migrated["scheduling"]
    now = datetime.now(UTC)
    streets, states, adoptions = [], [], []
    for number in range(ROWS * COLUMNS):
        lat, lon = centroid(number)
        streets.append(
            {
                "id": number + 1,
                "external_id": f"grid-{number}",
                "name": f"Street {number}",
                "district": f"district-{number // 2000}",
                "kind": "residential",
                "length_m": 50.0 + number % 7,
                "coordinates": [[lon - STEP / 4, lat], [lon + STEP / 4, lat]],
                "centroid_lat": lat,
                "centroid_lon": lon,
            }
        )
        if number % DIRTY_EVERY == 0:
            found = estimator.observe_inspection(estimator.prior("residential", 50, now), now, Level.D)
            states.append({"street_id": number + 1, "estimate": found.to_dict(), "estimated_level": "D"})
        if number % ADOPTED_EVERY == 0:
            adoptions.append(
                {
                    "adoption_id": number + 1,
                    "street_id": number + 1,
                    "rhythm": "weekly",
                    "status": "active",
                    "started_on": date.today() - timedelta(days=30),
                }
            )
    with scheduling_runtime(settings) as runtime, runtime.transaction() as session:
        session.execute(insert(Street), streets)
        session.execute(insert(StreetState), states)
        session.execute(insert(StreetAdoption), adoptions)
    with TestClient(create_app(settings), headers=SERVICE_HEADERS) as client:
        yield client


def test_a_view_of_a_20000_street_city_gets_only_its_own_streets(big_city: TestClient) -> None:
    extent = big_city.get(f"{API}/street-map/extent", headers=dispatcher()).json()["bbox"]
    assert extent == pytest.approx([WEST, SOUTH, WEST + (COLUMNS - 1) * STEP, SOUTH + (ROWS - 1) * STEP])
    # a street-level view: 10 × 20 streets of the 20,000
    box = [WEST + 39.5 * STEP, SOUTH + 39.5 * STEP, WEST + 59.5 * STEP, SOUTH + 49.5 * STEP]
    answer = big_city.get(f"{API}/street-map", params={"bbox": ",".join(map(str, box))}, headers=dispatcher())
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["truncated"] is False
    ids = {f["id"] for f in view["features"]}
    assert ids == {row * COLUMNS + column + 1 for row in range(40, 50) for column in range(40, 60)}
    dirty = [f["properties"] for f in view["features"] if f["properties"]["level"] == "D"]
    assert dirty and all((p["id"] - 1) % DIRTY_EVERY == 0 for p in dirty)
    assert {"name", "level", "target", "adopted", "open_reports", "district"} <= set(view["features"][0]["properties"])


def test_the_whole_city_in_one_view_is_capped_with_the_streets_below_target_first(big_city: TestClient) -> None:
    whole = ",".join(map(str, big_city.get(f"{API}/street-map/extent", headers=dispatcher()).json()["bbox"]))
    view = big_city.get(f"{API}/street-map", params={"bbox": whole, "limit": 500}, headers=dispatcher()).json()
    assert view["truncated"] is True and len(view["features"]) == 500
    below = [f for f in view["features"] if f["properties"]["level"] == "D"]
    assert len(below) == ROWS * COLUMNS // DIRTY_EVERY, "every street below its target is in the capped view"
    assert big_city.get(f"{API}/street-map", params={"bbox": whole}, headers=dispatcher()).json()["truncated"]
    for wrong in ("1,2,3", "a,b,c,d", "25,61,24,60"):
        refused = big_city.get(f"{API}/street-map", params={"bbox": wrong}, headers=dispatcher())
        assert refused.status_code == 422 and refused.json()["code"] == "bad_bbox", wrong


def test_the_work_queue_finds_the_uncovered_streets_on_the_server(big_city: TestClient) -> None:
    day = date.today().isoformat()
    answer = big_city.get(f"{API}/plans/{day}/uncovered", headers=dispatcher())
    assert answer.status_code == 200, answer.text
    queue = answer.json()
    below = ROWS * COLUMNS // DIRTY_EVERY
    adopted = ROWS * COLUMNS // ADOPTED_EVERY
    assert queue["total"] == below - adopted and queue["version"] is None
    assert len(queue["streets"]) == 30
    assert all(s["level"] == "D" and s["target"] == "B" for s in queue["streets"])
    assert not [s for s in queue["streets"] if (s["street_id"] - 1) % ADOPTED_EVERY == 0], (
        "an adopted street is covered"
    )
    first = queue["streets"][0]
    assert (first["lat"], first["lon"]) == pytest.approx(centroid(first["street_id"] - 1))
    assert big_city.get(f"{API}/plans/{day}/uncovered?limit=501", headers=dispatcher()).status_code == 422
    assert big_city.get(f"{API}/plans/{day}/uncovered").status_code in (401, 403)


def test_a_street_a_crew_cleans_that_day_is_not_in_the_queue(demo_client: TestClient) -> None:
    """Demo streets inspected at D: each is either cleaned on the day's plan or in the queue."""
    runtime: SchedulingRuntime = cast(FastAPI, demo_client.app).state.runtime
    now = datetime.now(UTC)
    with runtime.transaction() as session:
        for street_id in range(1, 41):
            state.apply_inspection(
                session,
                InspectionRecorded(
                    inspection_id=900 + street_id,
                    street_id=street_id,
                    level="D",
                    coarse_litter=9,
                    fine_litter=9,
                    inspected_at=now,
                ),
            )
    day = demo_client.get(f"{API}/plan-days", headers=dispatcher()).json()["today"]
    replan_now(demo_client, day)
    plan = demo_client.get(f"{API}/plans/{day}", headers=dispatcher()).json()
    cleaned = {v["street_id"] for c in plan["crews"] for v in c["visits"] if v["kind"] == "clean"}
    queue = demo_client.get(f"{API}/plans/{day}/uncovered", params={"limit": 500}, headers=dispatcher()).json()
    queued = {s["street_id"] for s in queue["streets"]}
    assert queue["version"] == plan["version"] and queue["total"] == len(queued)
    assert not cleaned & queued
    assert set(range(1, 41)) <= cleaned | queued
