"""Who may do what: every role against every endpoint family, through the gateway of the real stack.

The expected matrix below is written by hand from the roles in DESIGN.md, not derived from the
code, so a dependency forgotten on a router shows up as a failing cell. Allowed means "not
refused" (the answer may still be 404 or 422 for the probe's made-up ids); refused means 401
for the anonymous resident and 403 for everyone else. Resource-level rules (a coordinator only
manages their own team, a volunteer never sees another's personal data, tracking needs the
token) have their own tests below.
"""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image

from conftest import patient_post, seed_demo_crews
from kernel.auth import Role, issue_token
from streetcare.testing import TEST_TOKEN_SECRET, Stack

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]

ANONYMOUS, VOLUNTEER, COORDINATOR, INSPECTOR, DISPATCHER, ADMIN = (
    "anonymous",
    "volunteer",
    "coordinator",
    "inspector",
    "dispatcher",
    "admin",
)
ROLES = (ANONYMOUS, VOLUNTEER, COORDINATOR, INSPECTOR, DISPATCHER, ADMIN)
EVERYONE = frozenset(ROLES)
VOLUNTEERS = frozenset({VOLUNTEER, COORDINATOR})
STAFF = frozenset({INSPECTOR, DISPATCHER, ADMIN})
DISPATCH = frozenset({DISPATCHER, ADMIN})
INSPECT = frozenset({INSPECTOR, ADMIN})
ADMINS = frozenset({ADMIN})


@dataclass
class Probe:
    family: str
    method: str
    path: str
    allowed: frozenset[str]
    body: dict[str, Any] | None = None
    form: dict[str, str] | None = None


@dataclass
class City:
    """The people and things the probes refer to."""

    client: httpx.Client
    stack: Stack
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)


def login(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def sign_up(client: httpx.Client, name: str, stack: Stack) -> tuple[dict[str, str], str]:
    """A volunteer who signed up and followed the link in the mail that arrived, logged in."""
    email = f"authz{uuid.uuid4().hex[:10]}@test.example"
    answer = patient_post(
        client, "/api/v1/volunteers/signup", {"display_name": name, "email": email, "password": "a-long-password"}
    )
    assert answer.status_code == 202, answer.text
    stack.confirm_by_mail(email, client)
    return login(client, email, "a-long-password"), email


def create_staff(client: httpx.Client, role: Role) -> dict[str, str]:
    """Staff accounts made the way a city's admin makes them: by an admin, through the API."""
    bootstrap, _ = issue_token(TEST_TOKEN_SECRET, "staff:1", Role.ADMIN, 600)
    email = f"{role.value}{uuid.uuid4().hex[:8]}@test.example"
    made = client.post(
        "/api/v1/scheduling/staff",
        json={"email": email, "name": f"Test {role.value}", "role": role.value, "password": "staff-password-1"},
        headers={"Authorization": f"Bearer {bootstrap}"},
    )
    assert made.status_code == 201, made.text
    return login(client, email, "staff-password-1")


@pytest.fixture(scope="module")
def city(stack: Stack) -> Iterator[City]:
    seed_demo_crews(stack)
    with httpx.Client(base_url=stack.gateway_url, timeout=60) as client:
        found = City(client, stack)
        found.headers[ANONYMOUS] = {}
        found.headers[VOLUNTEER], found.ids["volunteer_email"] = sign_up(client, "Plain volunteer", stack)
        found.headers[COORDINATOR], _ = sign_up(client, "Coordinator", stack)
        found.headers[INSPECTOR] = create_staff(client, Role.INSPECTOR)
        found.headers[ADMIN] = create_staff(client, Role.ADMIN)
        found.headers[DISPATCHER] = login(client, "dispatcher@test.example", "dispatcher-password")
        streets = client.get("/api/v1/scheduling/streets", params={"limit": 3, "offset": 200}).json()["items"]
        found.ids["street"] = streets[0]["id"]
        found.ids["street_point"] = streets[0]["centroid"]
        found.ids["district"] = streets[0]["district"]
        team = client.post(
            "/api/v1/volunteers/teams", json={"name": "Authz club"}, headers=found.headers[COORDINATOR]
        ).json()
        found.ids["team"] = team["id"]
        report = client.post(
            "/api/v1/reports/reports",
            json={"category": "litter", "lat": streets[1]["centroid"]["lat"], "lon": streets[1]["centroid"]["lon"]},
        ).json()
        found.ids["report"] = report["id"]
        found.ids["tracking_token"] = report["tracking_token"]
        found.ids["today"] = datetime.now(UTC).date().isoformat()
        yield found


def probes(ids: dict[str, Any]) -> list[Probe]:
    street, team, report, day = ids["street"], ids["team"], ids["report"], ids["today"]
    point = ids["street_point"]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    scheduling, reports, volunteers = "/api/v1/scheduling", "/api/v1/reports", "/api/v1/volunteers"
    return [
        # scheduling: the street registry is public, everything about crews and plans is the dispatcher's
        Probe("street registry", "GET", f"{scheduling}/streets", EVERYONE),
        Probe("street registry", "GET", f"{scheduling}/streets/{street}", EVERYONE),
        Probe("street registry", "GET", f"{scheduling}/districts", EVERYONE),
        Probe("street map (dispatch)", "GET", f"{scheduling}/street-map", DISPATCH),
        Probe("street map (dispatch)", "GET", f"{scheduling}/street-map?bbox=24.9,60.1,25.0,60.2", DISPATCH),
        Probe("street map (dispatch)", "GET", f"{scheduling}/street-map/extent", DISPATCH),
        Probe("work queue", "GET", f"{scheduling}/plans/{day}/uncovered", DISPATCH),
        Probe("street history", "GET", f"{scheduling}/streets/{street}/history", STAFF),
        Probe("district targets", "GET", f"{scheduling}/district-targets", DISPATCH),
        Probe(
            "district targets",
            "PUT",
            f"{scheduling}/district-targets/{ids['district']}",
            DISPATCH,
            {"target_level": "B"},
        ),
        Probe("crews", "GET", f"{scheduling}/crews", DISPATCH),
        Probe("crews", "POST", f"{scheduling}/crews", DISPATCH, {"name": "x"}),
        Probe("crews", "PATCH", f"{scheduling}/crews/999999", DISPATCH, {"size": 2}),
        Probe("crews", "DELETE", f"{scheduling}/crews/999999", DISPATCH),
        Probe("crews", "POST", f"{scheduling}/crews/999999/absences", DISPATCH, {}),
        Probe("plans", "GET", f"{scheduling}/plan-days", DISPATCH),
        Probe("plans", "GET", f"{scheduling}/plans/{day}", DISPATCH),
        Probe("plans", "GET", f"{scheduling}/plans/{day}/versions", DISPATCH),
        Probe("plans", "GET", f"{scheduling}/plans/{day}/versions/1/diff", DISPATCH),
        Probe("plans", "GET", f"{scheduling}/plans/{day}/export.csv", DISPATCH),
        Probe("plans", "GET", f"{scheduling}/plans/{day}/export.geojson", DISPATCH),
        Probe("plans", "GET", f"{scheduling}/plans/{day}/crews/999999/print", DISPATCH),
        Probe("plans", "POST", f"{scheduling}/plans/2000-01-01/replan", DISPATCH),
        Probe("plans", "GET", f"{scheduling}/replan-jobs/00000000-0000-0000-0000-000000000000", DISPATCH),
        Probe("visits", "POST", f"{scheduling}/visits/999999/start", DISPATCH),
        Probe("visits", "POST", f"{scheduling}/visits/999999/done", DISPATCH),
        Probe("staff accounts", "POST", f"{scheduling}/staff", ADMINS, {"email": "not-an-email"}),
        Probe("internal", "POST", "/internal/auth/verify", frozenset(), {"email": "a@b.c", "password": "x"}),
        # reports: residents file and follow; staff read and handle; inspectors inspect
        Probe("report filing", "GET", f"{reports}/categories", EVERYONE),
        Probe("report categories", "GET", f"{reports}/categories/all", ADMINS),
        Probe("report categories", "POST", f"{reports}/categories", ADMINS, {"code": "x"}),
        Probe("report categories", "PATCH", f"{reports}/categories/no_such_thing", ADMINS, {"severity": 2}),
        Probe("report categories", "DELETE", f"{reports}/categories/no_such_thing", ADMINS),
        Probe("report filing", "POST", f"{reports}/reports", EVERYONE, {"category": "litter", **point}),
        Probe("report filing", "GET", f"{reports}/nearby", EVERYONE),
        Probe("report filing", "POST", f"{reports}/reports/{report}/me-too", EVERYONE),
        Probe("public map", "GET", f"{reports}/map.geojson", EVERYONE),
        Probe("public map", "GET", f"{reports}/streets.geojson", EVERYONE),
        Probe("public map", "GET", f"{reports}/streets/search?q=straat", EVERYONE),
        Probe("report handling", "GET", f"{reports}/reports", STAFF),
        Probe("report handling", "GET", f"{reports}/reports/{report}", STAFF),
        Probe("report handling", "POST", f"{reports}/reports/999999/status", STAFF, {"status": "acknowledged"}),
        Probe("inspections", "POST", f"{reports}/inspections", INSPECT, {"street_id": street, "level": "X"}),
        Probe("inspections", "GET", f"{reports}/inspections", STAFF),
        Probe("open311", "GET", "/open311/v2/services.json", EVERYONE),
        Probe("open311", "GET", "/open311/v2/requests.json", EVERYONE),
        # volunteers: public street pages and leaderboards; everything personal needs a volunteer account
        Probe("volunteer sign-up", "POST", f"{volunteers}/password-reset", EVERYONE, {"email": "nobody@test.example"}),
        Probe("public impact", "GET", f"{volunteers}/streets/{street}", EVERYONE),
        Probe("public impact", "GET", f"{volunteers}/leaderboard", EVERYONE),
        Probe("public impact", "GET", f"{volunteers}/impact/streets/{street}", EVERYONE),
        Probe("public impact", "GET", f"{volunteers}/impact/districts/{ids['district']}", EVERYONE),
        Probe("my account", "GET", f"{volunteers}/me", VOLUNTEERS),
        Probe("my account", "PATCH", f"{volunteers}/me", VOLUNTEERS, {}),
        Probe("my account", "GET", f"{volunteers}/me/calendar", VOLUNTEERS),
        Probe("my account", "GET", f"{volunteers}/impact/me", VOLUNTEERS),
        Probe("adoptions", "GET", f"{volunteers}/adoptions", VOLUNTEERS),
        Probe("adoptions", "POST", f"{volunteers}/adoptions", VOLUNTEERS, {"street_id": -1}),
        Probe("adoptions", "POST", f"{volunteers}/adoptions/999999/end", VOLUNTEERS),
        Probe("picks", "GET", f"{volunteers}/picks", VOLUNTEERS),
        Probe("picks", "POST", f"{volunteers}/picks", VOLUNTEERS, {"street_ids": []}),
        Probe("bags", "GET", f"{volunteers}/bags", VOLUNTEERS),
        Probe("bags", "POST", f"{volunteers}/bags", VOLUNTEERS, {"lat": 0, "lon": 0, "bags": 0}),
        Probe("bags (dispatch)", "GET", f"{volunteers}/bags/waiting", DISPATCH),
        Probe("teams", "GET", f"{volunteers}/teams", VOLUNTEERS),
        Probe("teams", "GET", f"{volunteers}/teams/{team}/streets", VOLUNTEERS),
        Probe("teams", "POST", f"{volunteers}/teams", VOLUNTEERS, {"name": ""}),
        Probe("sessions", "GET", f"{volunteers}/sessions", VOLUNTEERS),
        Probe(
            "sessions",
            "POST",
            f"{volunteers}/sessions",
            VOLUNTEERS,
            {"team_id": team, "title": "", "street_ids": [street], "starts_at": tomorrow.isoformat()},
        ),
    ]


def refused(role: str, status: int) -> bool:
    return status == (401 if role == ANONYMOUS else 403)


def test_every_role_against_every_endpoint_family(city: City) -> None:
    cells: list[tuple[str, str, str, int]] = []
    wrong: list[str] = []
    for probe in probes(city.ids):
        for role in ROLES:
            answer = city.client.request(
                probe.method, probe.path, json=probe.body, data=probe.form, headers=city.headers[role]
            )
            assert answer.status_code < 500, f"{probe.method} {probe.path} as {role}: {answer.status_code}"
            cells.append((probe.family, role, probe.path, answer.status_code))
            if probe.path.startswith("/internal"):
                if answer.status_code != 404:
                    wrong.append(f"{probe.method} {probe.path} as {role}: internal routes must not be proxied")
                continue
            if (role in probe.allowed) == refused(role, answer.status_code):
                expected = "allowed" if role in probe.allowed else "refused"
                wrong.append(
                    f"{probe.family}: {probe.method} {probe.path} as {role} should be {expected}, got "
                    f"{answer.status_code} {answer.text[:120]}"
                )
    families = {family for family, *_ in cells}
    print(f"\nauthorization matrix: {len(ROLES)} roles x {len(families)} endpoint families, {len(cells)} requests")
    assert not wrong, "\n".join(wrong)


def test_a_coordinator_manages_only_their_own_team(city: City) -> None:
    client, team = city.client, city.ids["team"]
    other_coordinator, _ = sign_up(client, "Other coordinator", city.stack)
    other_team = client.post("/api/v1/volunteers/teams", json={"name": "Other club"}, headers=other_coordinator)
    assert other_team.status_code == 201
    join_code = client.get(f"/api/v1/volunteers/teams/{team}", headers=city.headers[COORDINATOR]).json()["join_code"]
    assert join_code, "a coordinator sees their team's join code"
    member = client.post("/api/v1/volunteers/teams/join", json={"code": join_code}, headers=city.headers[VOLUNTEER])
    assert member.status_code == 200
    member_id = next(m["volunteer_id"] for m in member.json()["members"] if m["display_name"] == "Plain volunteer")
    # a member sees the team but not its join code, and cannot remove people or hand over
    as_member = client.get(f"/api/v1/volunteers/teams/{team}", headers=city.headers[VOLUNTEER]).json()
    assert as_member["join_code"] is None
    assert (
        client.post(
            f"/api/v1/volunteers/teams/{team}/coordinator",
            json={"volunteer_id": member_id},
            headers=city.headers[VOLUNTEER],
        ).status_code
        == 403
    )
    # another team's coordinator cannot touch this team, see it, or plan sessions for it
    assert client.delete(
        f"/api/v1/volunteers/teams/{team}/members/{member_id}", headers=other_coordinator
    ).status_code in (403, 404)
    assert client.get(f"/api/v1/volunteers/teams/{team}", headers=other_coordinator).status_code in (403, 404)
    starts = datetime.now(UTC) + timedelta(days=3)
    session = {
        "team_id": team,
        "title": "Not yours",
        "street_ids": [city.ids["street"]],
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 10,
    }
    # to a stranger the team is as unknown as one that does not exist
    assert client.post("/api/v1/volunteers/sessions", json=session, headers=other_coordinator).status_code == 404
    assert client.post("/api/v1/volunteers/sessions", json=session, headers=city.headers[VOLUNTEER]).status_code == 403
    planned = client.post("/api/v1/volunteers/sessions", json=session, headers=city.headers[COORDINATOR])
    assert planned.status_code == 201, planned.text
    cancel = f"/api/v1/volunteers/sessions/{planned.json()['id']}/cancel"
    assert client.post(cancel, headers=other_coordinator).status_code == 404
    assert client.post(cancel, headers=city.headers[COORDINATOR]).status_code == 200


def test_volunteers_never_see_each_others_personal_data(city: City) -> None:
    client = city.client
    street = city.ids["street"]
    owner, owner_email = sign_up(client, "Photo owner", city.stack)
    client.post("/api/v1/volunteers/adoptions", json={"street_id": street}, headers=owner)
    client.post("/api/v1/volunteers/adoptions", json={"street_id": street}, headers=city.headers[VOLUNTEER])
    pick = client.post(
        "/api/v1/volunteers/picks",
        json={"street_ids": [street], "note": "behind the school", "photo": phone_photo()},
        headers=owner,
    )
    assert pick.status_code == 201, pick.text
    pick_id = pick.json()["id"]
    assert client.get(f"/api/v1/volunteers/picks/{pick_id}/photo", headers=owner).status_code == 200
    assert client.get(f"/api/v1/volunteers/picks/{pick_id}/photo", headers=city.headers[VOLUNTEER]).status_code in (
        403,
        404,
    )
    mine = client.get("/api/v1/volunteers/picks", headers=city.headers[VOLUNTEER]).json()
    assert all(p["id"] != pick_id for p in mine)
    public_texts = [
        client.get(f"/api/v1/volunteers/streets/{street}", headers=city.headers[VOLUNTEER]).text,
        client.get("/api/v1/volunteers/adoptions", headers=city.headers[VOLUNTEER]).text,
        client.get(f"/api/v1/volunteers/impact/streets/{street}").text,
        client.get("/api/v1/volunteers/leaderboard").text,
        client.get(f"/api/v1/scheduling/streets/{street}").text,
    ]
    for text in public_texts:
        assert owner_email not in text
        assert "behind the school" not in text


def test_residents_see_neither_dispatcher_data_nor_other_residents_reports(city: City) -> None:
    client = city.client
    point = city.ids["street_point"]
    filed = client.post(
        "/api/v1/reports/reports",
        json={"category": "litter", **point, "email": "resident@test.example", "description": "near the bench"},
    ).json()
    token = filed["tracking_token"]
    assert len(token) >= 20
    assert client.get(f"/api/v1/reports/track/{token}").status_code == 200
    for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), "0" * len(token), str(filed["id"])):
        assert client.get(f"/api/v1/reports/track/{guess}").status_code == 404
    assert client.post(f"/api/v1/reports/track/{token[::-1]}/withdraw", json={}).status_code == 404
    public = (
        client.get("/api/v1/reports/map.geojson").text
        + client.get("/api/v1/reports/nearby", params={"lat": point["lat"], "lon": point["lon"]}).text
    )
    assert "resident@test.example" not in public and token not in public
    assert "resident@test.example" not in client.get("/open311/v2/requests.json").text
    staff_view = client.get(f"/api/v1/reports/reports/{filed['id']}", headers=city.headers[DISPATCHER])
    assert staff_view.status_code == 200


def test_a_logged_out_or_forged_token_is_refused_everywhere(city: City) -> None:
    client = city.client
    forged, _ = issue_token("not-the-city-secret-" + "z" * 20, "staff:1", Role.ADMIN, 600)
    for path in ("/api/v1/scheduling/crews", "/api/v1/reports/reports", "/api/v1/volunteers/me"):
        assert client.get(path, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    headers, _ = sign_up(client, "Leaves soon", city.stack)
    assert client.get("/api/v1/volunteers/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/volunteers/me", headers=headers).status_code == 401


def phone_photo() -> str:
    """A small JPEG with GPS in its EXIF block, as a phone sends it."""
    image = Image.new("RGB", (64, 48), "white")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 55.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
