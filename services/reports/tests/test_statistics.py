"""Report statistics for staff: received, resolved, overdue, median time to resolve and the share answered
within the target, per district and category, filterable, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import bearer as token
from kernel.auth import Role
from kernel.events import StreetChanged, new_event
from services.reports.tests.support import ReportsEnv, running_reports, set_report

DISPATCHER = token(Role.DISPATCHER, "staff:2")
URL = "/api/v1/reports/statistics"


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


def add_north_street(env: ReportsEnv) -> None:
    data = StreetChanged(
        street_id=4,
        external_id="test/4",
        name="Pohjoinen",
        district="North",
        length_m=100.0,
        coordinates=[(24.9000, 60.2000), (24.9010, 60.2000)],
    )
    env.events.consume(new_event("street.registered", "scheduling", data).model_dump(mode="json"))


def resolve(env: ReportsEnv, report_id: int) -> None:
    answer = env.client.post(
        f"/api/v1/reports/reports/{report_id}/status", json={"status": "resolved", "note": "done"}, headers=DISPATCHER
    )
    assert answer.status_code == 200, answer.text


def test_statistics_per_district_and_category(reports_env: ReportsEnv) -> None:
    add_north_street(reports_env)
    now = datetime.now(UTC)
    on_time = reports_env.file()  # Centre, litter: resolved before its target
    resolve(reports_env, on_time["id"])
    overdue = reports_env.file()  # Centre, litter: open past its target
    set_report(reports_env, overdue["id"], due_at=now - timedelta(hours=1))
    late = reports_env.file(category="bulky_waste", lat=60.20001, lon=24.9005)  # North: resolved after its target
    resolve(reports_env, late["id"])
    set_report(
        reports_env, late["id"], created_at=now - timedelta(days=10), due_at=now - timedelta(days=8), resolved_at=now
    )
    old = reports_env.file(lat=60.19001, lon=24.971)  # another street; outside the default 30 days
    set_report(reports_env, old["id"], created_at=now - timedelta(days=40))

    body = reports_env.client.get(URL, headers=DISPATCHER).json()
    rows = {(r["district"], r["category"]): r for r in body["rows"]}
    centre = rows[("Centre", "litter")]
    assert (centre["received"], centre["resolved"], centre["overdue"]) == (2, 1, 1)
    assert centre["share_within_target"] == 0.5 and centre["median_hours_to_resolve"] < 1
    north = rows[("North", "bulky_waste")]
    assert (north["received"], north["resolved"], north["overdue"], north["share_within_target"]) == (1, 1, 0, 0.0)
    assert north["median_hours_to_resolve"] == pytest.approx(240, abs=0.1)
    total = rows[("(all)", "(all)")]
    assert (total["received"], total["resolved"], total["overdue"]) == (3, 2, 1)
    assert total["share_within_target"] == pytest.approx(1 / 3, abs=1e-3)

    only_north = reports_env.client.get(URL, params={"district": "North"}, headers=DISPATCHER).json()["rows"]
    assert [(r["district"], r["received"]) for r in only_north] == [("North", 1), ("(all)", 1)]
    only_litter = reports_env.client.get(URL, params={"category": "litter"}, headers=DISPATCHER).json()["rows"]
    assert only_litter[-1]["received"] == 2
    wide = {"from": (now - timedelta(days=60)).isoformat(), "to": (now + timedelta(minutes=1)).isoformat()}
    assert reports_env.client.get(URL, params=wide, headers=DISPATCHER).json()["rows"][-1]["received"] == 4

    exported = reports_env.client.get(URL + ".csv", params={"district": "Centre"}, headers=DISPATCHER)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert table[0]["district"] == "Centre" and table[0]["received"] == "2" and table[0]["share_within_target"] == "0.5"


def test_statistics_are_for_staff_and_refuse_bad_filters(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=token(Role.VOLUNTEER, "volunteer:1")).status_code == 403
    assert client.get(URL + ".csv", headers=token(Role.VOLUNTEER, "volunteer:1")).status_code == 403
    backwards = client.get(
        URL, params={"from": "2026-05-02T00:00:00Z", "to": "2026-05-01T00:00:00Z"}, headers=DISPATCHER
    )
    assert backwards.status_code == 422 and "before" in backwards.text
    # a code and the field it is about, so the staff page says it beside that field in its language
    assert (backwards.json()["code"], backwards.json()["params"]["field"]) == ("period_backwards", "to")
    too_long = client.get(
        URL, params={"from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, headers=DISPATCHER
    )
    assert too_long.status_code == 422 and (too_long.json()["code"], too_long.json()["params"]["field"]) == (
        "period_too_long",
        "from",
    )
    unknown = client.get(URL, params={"category": "graffiti"}, headers=DISPATCHER)
    assert unknown.status_code == 422 and "litter" in unknown.text
    assert (unknown.json()["code"], unknown.json()["params"]["field"]) == ("unknown_category", "category")
    assert client.get(URL, params={"from": "yesterday"}, headers=DISPATCHER).status_code == 422
    empty = client.get(URL, params={"district": "Nowhere"}, headers=DISPATCHER).json()["rows"]
    assert empty == [
        {
            "district": "(all)",
            "category": "(all)",
            "received": 0,
            "resolved": 0,
            "overdue": 0,
            "median_hours_to_resolve": None,
            "share_within_target": None,
        }
    ]
