"""The reports service on a real migrated database: lifecycle, duplicates, photos, privacy, idempotency."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kernel.auth import Role
from kernel.events import VisitCompleted, new_event
from services.reports.handlers import erase_expired_personal_data
from services.reports.tests.support import (
    ON_STREET_1,
    ReportsEnv,
    jpeg_with_gps,
    running_reports,
    set_report,
)


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


def status(env: ReportsEnv, report_id: int, new: str, note: str = "") -> tuple[int, dict[str, Any]]:
    answer = env.client.post(
        f"/api/v1/reports/reports/{report_id}/status",
        json={"status": new, "note": note},
        headers=env.token(Role.DISPATCHER),
    )
    return answer.status_code, answer.json()


def test_categories_carry_severity_target_and_questions(reports_env: ReportsEnv) -> None:
    categories = {c["code"]: c for c in reports_env.client.get("/api/v1/reports/categories").json()}
    assert {"litter", "bulky_waste", "overflowing_bin", "hazard"} <= set(categories)
    assert categories["hazard"]["severity"] == 5
    assert categories["litter"]["response_working_days"] == 3
    assert categories["hazard"]["attributes"][0]["required"] is True


def test_filing_sets_a_due_date_on_working_days_and_records_the_event(reports_env: ReportsEnv) -> None:
    body = reports_env.file()
    created = datetime.fromisoformat(body["created_at"])
    due = datetime.fromisoformat(body["due_at"])
    assert due.weekday() < 5 and timedelta(days=3) <= due - created <= timedelta(days=5)
    assert body["street_name"] == "Mannerheimintie"
    assert body["tracking_url"] == f"/report#track={body['tracking_token']}"
    assert reports_env.outbox_types() == ["report.filed"]


def test_a_required_question_must_be_answered(reports_env: ReportsEnv) -> None:
    answer = reports_env.client.post(
        "/api/v1/reports/reports", json={"category": "hazard", "lat": ON_STREET_1[0], "lon": ON_STREET_1[1]}
    )
    assert answer.status_code == 422
    assert "hazard_kind" in answer.json()["detail"]
    ok = reports_env.file(category="hazard", attributes={"hazard_kind": "needles"})
    tracked = reports_env.client.get(f"/api/v1/reports/track/{ok['tracking_token']}").json()
    assert tracked["attributes"] == {"hazard_kind": "needles"}


def test_staff_lifecycle_with_append_only_history(reports_env: ReportsEnv) -> None:
    report = reports_env.file(email="resident@example.org")
    assert status(reports_env, report["id"], "acknowledged")[0] == 200
    assert status(reports_env, report["id"], "scheduled")[0] == 200
    code, body = status(reports_env, report["id"], "resolved", "swept this morning")
    assert code == 200 and body["status"] == "resolved"
    assert [h["status"] for h in body["history"]] == ["open", "acknowledged", "scheduled", "resolved"]
    # the service's own notes carry a code for the pages (the English stays); a dispatcher's words none
    notes = [(h["note"], h["note_code"]) for h in body["history"]]
    assert notes == [
        ("report received", "received"),
        ("the city has seen the report", "acknowledged"),
        ("a crew is scheduled", "scheduled"),
        ("swept this morning", None),
    ]
    # an illegal move is refused with a reason, and leaves the history as it was
    code, problem = status(reports_env, report["id"], "scheduled")
    assert code == 409 and "cannot become" in problem["detail"] and problem["code"] == "status_not_allowed"
    assert len(reports_env.sql("SELECT id FROM report_history WHERE report_id = :id", id=report["id"])) == 4
    mails = reports_env.mails()
    assert len(mails) == 4  # received, acknowledged, scheduled, resolved
    assert "resident@example.org" in mails[-1] and "swept this morning" in mails[-1]
    assert f"https://streetcare.example/report#track={report['tracking_token']}" in mails[-1]


def test_staff_endpoints_need_a_staff_role(reports_env: ReportsEnv) -> None:
    report = reports_env.file()
    url = f"/api/v1/reports/reports/{report['id']}/status"
    assert reports_env.client.post(url, json={"status": "acknowledged"}).status_code == 401
    volunteer = reports_env.token(Role.VOLUNTEER, "volunteer:3")
    assert reports_env.client.post(url, json={"status": "acknowledged"}, headers=volunteer).status_code == 403
    inspector = reports_env.token(Role.INSPECTOR, "staff:9")
    assert reports_env.client.post(url, json={"status": "acknowledged"}, headers=inspector).status_code == 200
    assert reports_env.client.get("/api/v1/reports/reports", headers=volunteer).status_code == 403
    listed = reports_env.client.get(
        "/api/v1/reports/reports?status=open", headers=reports_env.token(Role.DISPATCHER)
    ).json()
    assert [r["id"] for r in listed] == [report["id"]]


def test_rejecting_needs_a_reason_and_withdraws_the_report(reports_env: ReportsEnv) -> None:
    report = reports_env.file()
    code, problem = status(reports_env, report["id"], "rejected")
    assert code == 422 and "reason" in problem["detail"]
    code, body = status(reports_env, report["id"], "rejected", "this is private ground")
    assert code == 200 and body["status_reason"] == "this is private ground"
    assert reports_env.outbox_types() == ["report.filed", "report.withdrawn"]
    tracked = reports_env.client.get(f"/api/v1/reports/track/{report['tracking_token']}").json()
    assert tracked["status"] == "rejected" and tracked["status_reason"] == "this is private ground"


def test_the_reporter_withdraws_through_the_tracking_link(reports_env: ReportsEnv) -> None:
    report = reports_env.file()
    answer = reports_env.client.post(f"/api/v1/reports/track/{report['tracking_token']}/withdraw", json={})
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"
    envelope = reports_env.sql("SELECT envelope FROM outbox WHERE event_type = 'report.withdrawn'")[0][0]
    data = (json.loads(envelope) if isinstance(envelope, str) else envelope)["data"]
    assert data["report_id"] == report["id"] and data["street_id"] == 1


def test_reopen_within_the_window_only(reports_env: ReportsEnv) -> None:
    first, second = reports_env.file(), reports_env.file(category="overflowing_bin")
    track = "/api/v1/reports/track/{}/reopen"
    refused = reports_env.client.post(track.format(first["tracking_token"]), json={})  # not resolved
    assert refused.status_code == 409 and refused.json()["code"] == "reopen_not_resolved"
    for report in (first, second):
        status(reports_env, report["id"], "resolved")
    answer = reports_env.client.post(track.format(first["tracking_token"]), json={"note": "still bottles"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "reopened" and answer.json()["history"][-1]["note"] == "still bottles"
    set_report(reports_env, second["id"], resolved_at=datetime.now(UTC) - timedelta(days=15))
    late = reports_env.client.post(track.format(second["tracking_token"]), json={})
    assert late.status_code == 409 and "within 14 days" in late.json()["detail"]
    assert (late.json()["code"], late.json()["params"]) == ("reopen_too_late", {"days": 14})
    assert reports_env.client.get(f"/api/v1/reports/track/{second['tracking_token']}").json()["can_reopen"] is False


def test_visit_completed_resolves_cleanable_reports_and_tells_the_reporter(reports_env: ReportsEnv) -> None:
    litter = reports_env.file(email="Resident@Example.org")
    bulky = reports_env.file(category="bulky_waste", lat=60.17002, lon=24.9402)
    other_street = reports_env.file(lat=60.17099, lon=24.9410)
    event = new_event(
        "visit.completed",
        "scheduling",
        VisitCompleted(visit_id=7, street_id=1, completed_at=datetime.now(UTC), kind="clean"),
    ).model_dump(mode="json")
    assert reports_env.events.consume(event).value == "applied"
    assert reports_env.events.consume(event).value == "duplicate"  # redelivered: nothing happens twice

    def state(report: dict[str, Any]) -> str:
        return str(reports_env.client.get(f"/api/v1/reports/track/{report['tracking_token']}").json()["status"])

    assert (state(litter), state(bulky), state(other_street)) == ("resolved", "open", "open")
    resolved_mails = [m for m in reports_env.mails() if "opgeruimd" in m]  # in the reporter's language: nl by default
    assert len(resolved_mails) == 1
    assert "To: resident@example.org" in resolved_mails[0]
    assert litter["tracking_token"] in resolved_mails[0]


def test_a_report_near_an_open_one_is_linked_as_a_duplicate(reports_env: ReportsEnv) -> None:
    original = reports_env.file(email="first@example.org")
    again = reports_env.file(lat=ON_STREET_1[0] + 0.0001, lon=ON_STREET_1[1])  # ~11 m away
    other_category = reports_env.file(category="overflowing_bin")
    far = reports_env.file(lon=24.9420)  # ~55 m along the street
    assert again["status"] == "duplicate" and again["duplicate_of"] == original["id"]
    assert other_category["duplicate_of"] is None and far["duplicate_of"] is None
    tracked = reports_env.client.get(f"/api/v1/reports/track/{again['tracking_token']}").json()
    assert tracked["duplicate_of_status"] == "open"
    duplicate_note = tracked["history"][-1]
    assert duplicate_note["note"] == f"same as report {original['id']} nearby"
    assert (duplicate_note["note_code"], duplicate_note["note_params"]) == ("duplicate", {"report": original["id"]})
    nearby = reports_env.client.get(
        "/api/v1/reports/nearby", params={"lat": ON_STREET_1[0], "lon": ON_STREET_1[1], "radius_m": 50}
    ).json()
    assert [r["id"] for r in nearby] == [original["id"], other_category["id"]] or [r["id"] for r in nearby] == [
        other_category["id"],
        original["id"],
    ]
    by_id = {r["id"]: r for r in nearby}
    assert by_id[original["id"]]["also_reported"] == 1
    assert "email" not in json.dumps(nearby) and "first@example.org" not in json.dumps(nearby)


def test_me_too_counts_without_a_new_report(reports_env: ReportsEnv) -> None:
    original = reports_env.file()
    duplicate = reports_env.file(lat=ON_STREET_1[0] + 0.0001)
    answer = reports_env.client.post(f"/api/v1/reports/reports/{original['id']}/me-too")
    assert answer.status_code == 200 and answer.json() == {"id": original["id"], "also_reported": 2}
    via_duplicate = reports_env.client.post(f"/api/v1/reports/reports/{duplicate['id']}/me-too").json()
    assert via_duplicate == {"id": original["id"], "also_reported": 3}
    assert len(reports_env.sql("SELECT id FROM reports")) == 2
    assert reports_env.client.post("/api/v1/reports/reports/999/me-too").status_code == 404


def test_public_map_has_open_reports_without_personal_data(reports_env: ReportsEnv) -> None:
    open_one = reports_env.file(email="private@example.org", description="my name is Jane, I live at no. 5")
    closed = reports_env.file(category="overflowing_bin", email="other@example.org")
    status(reports_env, closed["id"], "resolved")
    body = reports_env.client.get("/api/v1/reports/map.geojson").json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == [open_one["id"]]
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point" and len(feature["geometry"]["coordinates"]) == 2
    text = json.dumps(body)
    for secret in ("private@example.org", "Jane", "tracking_token", open_one["tracking_token"], "email"):
        assert secret not in text


def test_streets_for_the_map_and_search(reports_env: ReportsEnv) -> None:
    streets = reports_env.client.get("/api/v1/reports/streets.geojson").json()
    assert len(streets["features"]) == 3
    assert streets["features"][0]["geometry"]["type"] == "LineString"
    found = reports_env.client.get("/api/v1/reports/streets/search", params={"q": "aleks"}).json()
    assert [s["name"] for s in found] == ["Aleksanterinkatu"]
    assert abs(found[0]["lat"] - 60.171) < 1e-6


def upload(env: ReportsEnv, data: bytes, filename: str = "photo.jpg", content_type: str = "image/jpeg") -> object:
    return env.client.post("/api/v1/reports/photos", files={"photo": (filename, data, content_type)})


def test_photo_exif_and_gps_are_removed_and_a_thumbnail_made(reports_env: ReportsEnv) -> None:
    original = jpeg_with_gps((1600, 1200))
    with Image.open(io.BytesIO(original)) as check:  # the test photo really carries GPS
        assert check.getexif().get_ifd(0x8825)
    answer = upload(reports_env, original)
    assert answer.status_code == 201, answer.text  # type: ignore[attr-defined]
    stored = answer.json()  # type: ignore[attr-defined]
    photo = reports_env.client.get(stored["url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    for body in (photo.content, reports_env.client.get(stored["thumbnail_url"]).content):
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == "JPEG"
            assert len(image.getexif()) == 0
            assert "exif" not in image.info
        assert b"Exif" not in body and b"TestCamera" not in body and b"Jane Resident" not in body
    with Image.open(io.BytesIO(reports_env.client.get(stored["thumbnail_url"]).content)) as thumb:
        assert max(thumb.size) <= 320
    report = reports_env.file(photo_id=stored["id"])
    assert report["photo_url"] == stored["url"]
    tracked = reports_env.client.get(f"/api/v1/reports/track/{report['tracking_token']}").json()
    assert tracked["thumbnail_url"] == stored["thumbnail_url"]


def test_photo_type_is_checked_on_content_not_name(reports_env: ReportsEnv) -> None:
    fake = upload(reports_env, b"<html>not a photo</html>" * 20, "holiday.jpg")
    assert fake.status_code == 415  # type: ignore[attr-defined]
    tiff = io.BytesIO()
    Image.new("RGB", (10, 10)).save(tiff, format="TIFF")
    assert upload(reports_env, tiff.getvalue(), "photo.jpg").status_code == 415  # type: ignore[attr-defined]
    png = io.BytesIO()
    Image.new("RGB", (50, 40), (0, 128, 0)).save(png, format="PNG")
    named_wrong = upload(reports_env, png.getvalue(), "document.pdf", "application/pdf")
    assert named_wrong.status_code == 201  # type: ignore[attr-defined]


def test_photo_size_and_decompression_bomb_limits(reports_env: ReportsEnv) -> None:
    big = reports_env.settings.photo_max_bytes + 1
    too_big = upload(reports_env, b"\xff\xd8" + b"0" * big)
    assert too_big.status_code == 413  # type: ignore[attr-defined]
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # small file, 144 megapixels decoded
    assert len(bomb.getvalue()) < 1_000_000
    answer = upload(reports_env, bomb.getvalue(), "bomb.png", "image/png")
    assert answer.status_code == 413 and "pixels" in answer.json()["detail"]  # type: ignore[attr-defined]


def test_zip_bombs_and_hostile_xml_posing_as_photos_are_refused(reports_env: ReportsEnv) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("photo.jpg", b"\0" * 50_000_000)
    assert len(archive.getvalue()) < 200_000
    zipped = upload(reports_env, archive.getvalue(), "photo.jpg", "image/jpeg")
    assert zipped.status_code == 415 and "not a photo" in zipped.json()["detail"]  # type: ignore[attr-defined]
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, b"&lol;" * 10 if i == 1 else b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
        )
        + b']><svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>'
    )
    for hostile in (laughs, b"<?xml version='1.0'?><svg><unclosed", b"\xff\xd8\xff\xe0 truncated jpeg"):
        answer = upload(reports_env, hostile, "photo.jpg", "image/jpeg")
        assert answer.status_code == 415, answer.text  # type: ignore[attr-defined]
        assert "not a photo" in answer.json()["detail"]  # type: ignore[attr-defined]
    assert reports_env.sql("SELECT id FROM photos") == []


def test_same_idempotency_key_gives_the_same_answer_and_one_report(reports_env: ReportsEnv) -> None:
    body = {"category": "litter", "lat": ON_STREET_1[0], "lon": ON_STREET_1[1], "description": "offline"}
    headers = {"Idempotency-Key": "phone-1234-report-1"}
    first = reports_env.client.post("/api/v1/reports/reports", json=body, headers=headers)
    again = reports_env.client.post("/api/v1/reports/reports", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(reports_env.sql("SELECT id FROM reports")) == 1
    assert reports_env.outbox_types() == ["report.filed"]
    changed = reports_env.client.post("/api/v1/reports/reports", json={**body, "description": "x"}, headers=headers)
    assert changed.status_code == 422 and "different request" in changed.json()["detail"]
    other_key = reports_env.client.post("/api/v1/reports/reports", json=body, headers={"Idempotency-Key": "k2"})
    assert other_key.json()["id"] != first.json()["id"]


def test_personal_data_is_erased_after_the_retention_period(reports_env: ReportsEnv) -> None:
    old = reports_env.file(email="old@example.org")
    recent = reports_env.file(category="overflowing_bin", email="recent@example.org")
    set_report(reports_env, old["id"], created_at=datetime.now(UTC) - timedelta(days=366))
    assert erase_expired_personal_data(reports_env.events) == 1
    assert erase_expired_personal_data(reports_env.events) == 0
    rows = dict(reports_env.sql("SELECT id, reporter_email FROM reports"))
    assert rows == {old["id"]: None, recent["id"]: "recent@example.org"}
    erased = reports_env.sql("SELECT personal_data_erased_at FROM reports WHERE id = :id", id=old["id"])
    assert erased[0][0] is not None
    tracked = reports_env.client.get(f"/api/v1/reports/track/{old['tracking_token']}").json()
    assert tracked["email_on_file"] is False and tracked["status"] == "open"


def test_an_inspection_becomes_an_event(reports_env: ReportsEnv) -> None:
    inspector = reports_env.token(Role.INSPECTOR, "staff:5")
    body = {"street_id": 2, "level": "C", "coarse_litter": 14, "fine_litter": 60}
    answer = reports_env.client.post("/api/v1/reports/inspections", json=body, headers=inspector)
    assert answer.status_code == 201, answer.text
    assert answer.json()["street_name"] == "Aleksanterinkatu"
    assert reports_env.outbox_types() == ["inspection.recorded"]
    envelope = reports_env.sql("SELECT envelope FROM outbox")[0][0]
    data = (json.loads(envelope) if isinstance(envelope, str) else envelope)["data"]
    assert data["level"] == "C" and data["coarse_litter"] == 14 and data["street_id"] == 2
    assert (
        reports_env.client.post(
            "/api/v1/reports/inspections", json=body, headers=reports_env.token(Role.DISPATCHER)
        ).status_code
        == 403
    )
    bad = reports_env.client.post("/api/v1/reports/inspections", json={**body, "level": "E"}, headers=inspector)
    assert bad.status_code == 422
    missing = reports_env.client.post("/api/v1/reports/inspections", json={**body, "street_id": 99}, headers=inspector)
    assert missing.status_code == 404
    listed = reports_env.client.get(
        "/api/v1/reports/inspections?street_id=2", headers=reports_env.token(Role.DISPATCHER)
    ).json()
    assert [i["level"] for i in listed] == ["C"]


def scraped(env: ReportsEnv, name: str, category: str) -> float:
    """One sample of the service's /metrics, as Prometheus reads it (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = env.client.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels.get("category") == category:
                return float(sample.value)
    return 0.0


def test_the_filed_and_overdue_figures_the_dashboard_and_the_alert_read_are_kept(reports_env: ReportsEnv) -> None:
    filed_before = scraped(reports_env, "streetcare_reports_filed_total", "litter")
    report = reports_env.file()
    assert scraped(reports_env, "streetcare_reports_filed_total", "litter") == filed_before + 1
    refused = reports_env.client.post("/api/v1/reports/reports", json={"category": "litter", "lat": 0.0, "lon": 0.0})
    assert refused.status_code == 422
    assert scraped(reports_env, "streetcare_reports_filed_total", "litter") == filed_before + 1, "refused: not counted"

    assert scraped(reports_env, "streetcare_reports_overdue", "litter") == 0
    set_report(reports_env, report["id"], due_at=datetime.now(UTC) - timedelta(hours=1))
    assert scraped(reports_env, "streetcare_reports_overdue", "litter") == 1
    code, _ = status(reports_env, report["id"], "resolved", "cleaned")
    assert code == 200
    assert scraped(reports_env, "streetcare_reports_overdue", "litter") == 0, "resolved: no longer overdue"
