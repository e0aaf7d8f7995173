"""The volunteers service on a real migrated database: domain rules, events, idempotency, privacy."""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from conftest import statements_sent
from kernel.auth import (
    INTERNAL_CALLER_HEADER,
    SERVICE_TOKEN_HEADER,
    InternalCaller,
    Role,
    internal_caller_credential,
    issue_token,
)
from kernel.consumer import Outcome
from kernel.events import StreetChanged, VisitCompleted, new_event
from kernel.mail import CaughtMail, MailKind
from kernel.metrics import PICKS_LOGGED
from kernel.street_copy import apply_street_changed
from services.volunteers import handlers as volunteers_handlers
from services.volunteers.accounts.models import Volunteer as VolunteerRow
from services.volunteers.adoptions import service as adoptions_service
from services.volunteers.adoptions.models import Adoption
from services.volunteers.app import create_app
from services.volunteers.bags.models import BagRequest
from services.volunteers.database import OutboxMessage, StreetCopy
from services.volunteers.mail.outbox import CLEANUP_CHANGES, CONFIRM_EMAIL, NUDGES, PASSWORD_RESET
from services.volunteers.picks.models import Pick
from services.volunteers.settings import VolunteersRuntime, VolunteersSettings
from tests.smtp_catcher import SmtpCatcher, smtp_catcher

# Three short streets in central Helsinki, about 100 m apart, and one in another district.
STREETS = [
    (1, "Erottajankatu", "Zuidwest", [(24.94388, 60.16627), (24.94390, 60.16540)]),
    (2, "Ludviginkatu", "Zuidwest", [(24.94200, 60.16580), (24.94380, 60.16580)]),
    (3, "Yrjönkatu", "Zuidwest", [(24.93900, 60.16500), (24.94100, 60.16500)]),
    (4, "Kalevankatu", "Noord", [(24.93000, 60.16700), (24.93200, 60.16700)]),
]


@dataclass
class Volunteer:
    id: int
    email: str
    headers: dict[str, str]


@dataclass
class VolunteersApp:
    client: TestClient
    settings: VolunteersSettings
    runtime: VolunteersRuntime
    catcher: SmtpCatcher  # the real SMTP server the service's mail outbox delivers to

    def sign_up(self, name: str, language: str = "en", confirm: bool = True) -> Volunteer:
        """A new account; `confirm`: its address confirmed through the link in the mail that arrived."""
        email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@test.example"
        answer = self.client.post(
            "/api/v1/volunteers/signup",
            json={"display_name": name, "email": email, "password": "a-long-password", "language": language},
        )
        assert answer.status_code == 202, answer.text
        volunteer_id = self.account_id(email)
        if confirm:
            confirmed = self.client.post(
                "/api/v1/volunteers/signup/confirm", json={"token": self.confirmation_token(email)}
            )
            assert confirmed.status_code == 200, confirmed.text
        return Volunteer(volunteer_id, email, self.headers_for(volunteer_id))

    def confirmation_token(self, email: str) -> str:
        """The token of the newest confirmation link mailed to `email`, read from what the SMTP server caught."""
        [newest, *_] = self.mails(CONFIRM_EMAIL, to=email)
        return confirmation_token(newest)

    def account_id(self, email: str) -> int:
        """Sign-up does not say which account it made (nor whether): the database does."""
        with self.runtime.session_factory() as session:
            found = session.scalar(select(VolunteerRow.id).where(VolunteerRow.email == email.lower()))
        assert found is not None, f"no account for {email}"
        return found

    def headers_for(self, volunteer_id: int, role: Role = Role.VOLUNTEER) -> dict[str, str]:
        token, _ = issue_token(self.settings.token_secret, f"volunteer:{volunteer_id}", role, 600)
        return {"Authorization": f"Bearer {token}"}

    def events(self) -> list[dict[str, Any]]:
        """Every event the service recorded, oldest first."""
        with self.runtime.session_factory() as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)).all()
            return [row.envelope for row in rows]

    def new_events(self, before: int) -> list[dict[str, Any]]:
        return self.events()[before:]

    def mails(self, kind: MailKind, to: str | None = None) -> list[CaughtMail]:
        """The mail of one kind the SMTP server received (to `to` when given), newest first."""
        return [m for m in self.catcher.messages(to=to) if m.headers.get("X-Streetcare-Kind") == kind.code]


def confirmation_token(mail: CaughtMail) -> str:
    """The token in the confirmation link of a mail: `…/volunteer#confirm=<token>`."""
    return mail.body.split("#confirm=", 1)[1].split()[0]


def load_streets(runtime: VolunteersRuntime) -> None:
    with runtime.transaction() as session:
        for street_id, name, district, coordinates in STREETS:
            apply_street_changed(
                session,
                StreetCopy,
                StreetChanged(
                    street_id=street_id,
                    external_id=f"test:{street_id}",
                    name=name,
                    district=district,
                    length_m=100.0,
                    coordinates=coordinates,
                ),
            )


@pytest.fixture
def volunteers_app(migrated: dict[str, Any], tmp_path: Path) -> Iterator[VolunteersApp]:
    with smtp_catcher(tmp_path / "caught") as catcher:
        settings = migrated["volunteers"].model_copy(
            update={
                "smtp_url": catcher.url,
                "mail_catcher_dir": str(catcher.maildir),
                "mail_deliver_inline": True,
            }
        )
        app = create_app(settings)
        with TestClient(app, headers={SERVICE_TOKEN_HEADER: settings.service_token}) as client:
            runtime: VolunteersRuntime = app.state.runtime
            load_streets(runtime)
            yield VolunteersApp(client, settings, runtime, catcher)


def adopt(app: VolunteersApp, who: Volunteer, street_id: int, rhythm: str = "weekly", **extra: Any) -> dict[str, Any]:
    answer = app.client.post(
        "/api/v1/volunteers/adoptions", json={"street_id": street_id, "rhythm": rhythm, **extra}, headers=who.headers
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def types_and_status(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["type"], e["data"].get("status")) for e in events]


# ---- adoptions ----------------------------------------------------------------------------------


def test_each_adoption_change_emits_exactly_one_event(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    before = len(app.events())
    adoption = adopt(app, ann, 1, "fortnightly")
    assert adoption["status"] == "active" and adoption["street_name"] == "Erottajankatu"
    assert types_and_status(app.new_events(before)) == [("adoption.started", "active")]

    steps = [
        ("pause", {"until": (date.today() + timedelta(days=14)).isoformat()}, ("adoption.ended", "paused")),
        ("resume", None, ("adoption.started", "active")),
        ("end", None, ("adoption.ended", "ended")),
    ]
    for action, body, expected in steps:
        before = len(app.events())
        answer = app.client.post(
            f"/api/v1/volunteers/adoptions/{adoption['id']}/{action}", json=body, headers=ann.headers
        )
        assert answer.status_code == 200, answer.text
        assert types_and_status(app.new_events(before)) == [expected], action
    ended = app.events()[-1]["data"]
    assert ended["adoption_id"] == adoption["id"] and ended["street_id"] == 1 and ended["rhythm"] == "fortnightly"
    assert ended["volunteer_id"] == ann.id and ended["team_id"] is None


def test_adoption_rules(volunteers_app: VolunteersApp) -> None:
    """Each refusal with the code (and params) the volunteer page says in the reader's language."""
    app = volunteers_app
    ann, bob = app.sign_up("Ann"), app.sign_up("Bob")
    adoption = adopt(app, ann, 2)
    url = f"/api/v1/volunteers/adoptions/{adoption['id']}"
    before = len(app.events())

    def refused(answer: Any, status: int, code: str) -> dict[str, Any]:
        assert answer.status_code == status and answer.json()["code"] == code, answer.text
        params: dict[str, Any] = answer.json()["params"]
        return params

    again = app.client.post("/api/v1/volunteers/adoptions", json={"street_id": 2}, headers=ann.headers)
    assert refused(again, 409, "already_adopted") == {"street": 2}
    refused(app.client.post(f"{url}/end", headers=bob.headers), 403, "adoption_not_yours")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    pause = app.client.post(f"{url}/pause", json={"until": yesterday}, headers=ann.headers)
    assert refused(pause, 422, "pause_not_ahead") == {"field": "until"}
    too_long = (date.today() + timedelta(days=365)).isoformat()
    pause = app.client.post(f"{url}/pause", json={"until": too_long}, headers=ann.headers)
    assert refused(pause, 422, "pause_too_long") == {"days": 120, "field": "until"}
    refused(app.client.post(f"{url}/resume", headers=ann.headers), 409, "adoption_not_paused")  # not paused
    bad_rhythm = app.client.post(
        "/api/v1/volunteers/adoptions", json={"street_id": 3, "rhythm": "daily"}, headers=ann.headers
    )
    assert bad_rhythm.status_code == 422
    assert [(e["field"], e["type"]) for e in bad_rhythm.json()["errors"]] == [("rhythm", "literal_error")]
    unknown = app.client.post("/api/v1/volunteers/adoptions", json={"street_id": 999}, headers=ann.headers)
    assert refused(unknown, 404, "street_unknown") == {"street": 999, "field": "street_id"}
    assert app.new_events(before) == []  # refused changes emit nothing

    same_rhythm = app.client.patch(url, json={"rhythm": "weekly"}, headers=ann.headers)
    assert same_rhythm.status_code == 200 and app.new_events(before) == []
    monthly = app.client.patch(url, json={"rhythm": "monthly"}, headers=ann.headers)
    assert monthly.json()["rhythm"] == "monthly"
    assert types_and_status(app.new_events(before)) == [("adoption.started", "active")]
    assert app.client.post(f"{url}/end", headers=ann.headers).status_code == 200
    refused(app.client.post(f"{url}/end", headers=ann.headers), 409, "adoption_ended")
    assert adopt(app, ann, 2)["id"] != adoption["id"]  # after the end, adopting again is a new adoption


def test_co_adoption_is_visible_by_display_name_only(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann, bob = app.sign_up("Ann"), app.sign_up("Bob")
    app.client.patch("/api/v1/volunteers/me", json={"phone": "+31 6 1234 5678"}, headers=ann.headers)
    adopt(app, ann, 1)
    adopt(app, bob, 1, "monthly")
    detail = app.client.get("/api/v1/volunteers/streets/1")
    assert detail.status_code == 200
    adopters = detail.json()["adopters"]
    assert [(a["name"], a["kind"], a["rhythm"]) for a in adopters] == [
        ("Ann", "volunteer", "weekly"),
        ("Bob", "volunteer", "monthly"),
    ]
    for answer in (detail, app.client.get("/api/v1/volunteers/streets", params={"q": "erotta"})):
        assert ann.email not in answer.text and bob.email not in answer.text and "1234 5678" not in answer.text
        assert "email" not in answer.text and "phone" not in answer.text


def test_find_streets_by_name_and_near_me(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    by_name = app.client.get("/api/v1/volunteers/streets", params={"q": "katu"}).json()
    assert {s["name"] for s in by_name} == {"Erottajankatu", "Ludviginkatu", "Yrjönkatu", "Kalevankatu"}
    assert [s["name"] for s in app.client.get("/api/v1/volunteers/streets", params={"q": "ludv"}).json()] == [
        "Ludviginkatu"
    ]
    near = app.client.get("/api/v1/volunteers/streets/near", params={"lat": 60.1660, "lon": 24.9439, "radius_m": 300})
    names = [s["name"] for s in near.json()]
    assert names[0] == "Erottajankatu" and "Kalevankatu" not in names
    distances = [s["distance_m"] for s in near.json()]
    assert distances == sorted(distances)


def test_members_see_their_teams_streets_and_outsiders_do_not(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    cora, mo, otto = app.sign_up("Cora"), app.sign_up("Mo"), app.sign_up("Otto")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Wednesday club"}, headers=cora.headers).json()
    app.client.post("/api/v1/volunteers/teams/join", json={"code": team["join_code"]}, headers=mo.headers)
    adopt(app, cora, 3, team_id=team["id"])
    adopt(app, mo, 2, rhythm="monthly")
    adopt(app, otto, 4)  # not in the team
    url = f"/api/v1/volunteers/teams/{team['id']}/streets"
    seen = app.client.get(url, headers=mo.headers)
    assert seen.status_code == 200, seen.text
    streets = seen.json()
    assert [(s["street_id"], s["by_team"], s["adopter"], s["rhythm"]) for s in streets] == [
        (3, True, "Wednesday club", "weekly"),
        (2, False, "Mo", "monthly"),
    ]
    assert streets[0]["status"] == "active" and streets[0]["next_pick_due"] and streets[0]["street_name"]
    assert streets[0]["lat"] and streets[0]["lon"]
    assert not {"email", "volunteer_id"} & set(streets[0])
    assert app.client.get(url, headers=cora.headers).json() == streets
    assert app.client.get(url, headers=otto.headers).status_code == 404


def test_team_coordinator_manages_only_their_own_team(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    cora, mo, other = app.sign_up("Cora"), app.sign_up("Mo"), app.sign_up("Otto")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Wednesday club"}, headers=cora.headers).json()
    assert team["my_role"] == "coordinator" and team["join_code"]
    joined = app.client.post("/api/v1/volunteers/teams/join", json={"code": team["join_code"]}, headers=mo.headers)
    assert joined.status_code == 200 and joined.json()["my_role"] == "member" and joined.json()["join_code"] is None
    other_team = app.client.post(
        "/api/v1/volunteers/teams", json={"name": "School class"}, headers=other.headers
    ).json()

    # Otto coordinates a team and even carries the coordinator role in his token: still not Cora's team,
    # which to him is as unknown as a team that does not exist (404); Mo, a member, is refused (403).
    otto_as_coordinator = app.headers_for(other.id, Role.COORDINATOR)
    body = {"street_id": 3, "rhythm": "weekly", "team_id": team["id"]}
    assert app.client.post("/api/v1/volunteers/adoptions", json=body, headers=otto_as_coordinator).status_code == 404
    assert app.client.post("/api/v1/volunteers/adoptions", json=body, headers=mo.headers).status_code == 403
    team_adoption = adopt(app, cora, 3, team_id=team["id"])
    assert team_adoption["team_name"] == "Wednesday club" and team_adoption["can_manage"]
    mine = app.client.get("/api/v1/volunteers/adoptions", headers=mo.headers).json()
    assert [(a["id"], a["can_manage"]) for a in mine] == [(team_adoption["id"], False)]
    assert (
        app.client.post(f"/api/v1/volunteers/adoptions/{team_adoption['id']}/end", headers=mo.headers).status_code
        == 403
    )
    assert app.events()[-1]["data"]["team_id"] == team["id"] and app.events()[-1]["data"]["volunteer_id"] is None

    assert (
        app.client.delete(
            f"/api/v1/volunteers/teams/{team['id']}/members/{mo.id}", headers=otto_as_coordinator
        ).status_code
        == 404
    )
    members = app.client.get(f"/api/v1/volunteers/teams/{team['id']}", headers=mo.headers).json()["members"]
    assert [(m["display_name"], m["role"]) for m in members] == [("Cora", "coordinator"), ("Mo", "member")]
    assert mo.email not in str(members)
    # a stranger learns neither a team's name nor that it exists: the answer of an unknown team
    stranger = app.client.get(f"/api/v1/volunteers/teams/{other_team['id']}", headers=mo.headers)
    unknown = app.client.get(f"/api/v1/volunteers/teams/{other_team['id'] + 10_000}", headers=mo.headers)
    assert stranger.status_code == unknown.status_code == 404
    assert stranger.json()["detail"] == unknown.json()["detail"].replace(
        str(other_team["id"] + 10_000), str(other_team["id"])
    )
    assert "School class" not in stranger.text
    assert (
        app.client.delete(f"/api/v1/volunteers/teams/{team['id']}/members/{mo.id}", headers=cora.headers).status_code
        == 204
    )


def _adoption_row(app: VolunteersApp, adoption_id: int) -> Adoption:
    with app.runtime.session_factory() as session:
        row = session.get(Adoption, adoption_id)
        assert row is not None
        return row


def _set_start(app: VolunteersApp, adoption_id: int, at: datetime) -> None:
    with app.runtime.transaction() as session:
        row = session.get(Adoption, adoption_id)
        assert row is not None
        row.active_since = at


def test_nudge_after_twice_the_rhythm_and_lapse_after_four_times(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    weekly = adopt(app, ann, 1, "weekly")
    monthly = adopt(app, ann, 2, "monthly")
    t0 = datetime.now(UTC)
    _set_start(app, weekly["id"], t0)
    _set_start(app, monthly["id"], t0)

    def run(at: datetime) -> dict[str, list[int]]:
        with app.runtime.transaction() as session:
            outcome = adoptions_service.send_nudges_and_mark_lapses(session, at)
        return {"nudged": outcome.nudged, "lapsed": outcome.lapsed, "resumed": outcome.resumed}

    before = len(app.events())
    assert run(t0 + timedelta(days=13)) == {"nudged": [], "lapsed": [], "resumed": []}
    assert run(t0 + timedelta(days=14)) == {"nudged": [weekly["id"]], "lapsed": [], "resumed": []}
    [nudge] = app.mails(NUDGES)
    assert nudge.to == ann.email and nudge.subject == "How is Erottajankatu doing?" and nudge.language == "en"
    assert f"{app.settings.public_url}/volunteer" in nudge.body and "No more reminders: http" in nudge.body
    assert run(t0 + timedelta(days=15))["nudged"] == []  # one reminder per silence
    assert app.new_events(before) == []  # a reminder changes nothing for the planner

    # A pick renews the pledge: the clock starts again from the pick.
    picked_at = t0 + timedelta(days=20)
    with app.runtime.transaction() as session:
        pledges = adoptions_service.pledges_renewed_by(session, [1], ann.id, None)
        adoptions_service.renew_pledges(session, pledges, picked_at)
    assert run(t0 + timedelta(days=27))["nudged"] == []
    assert run(picked_at + timedelta(days=14))["nudged"] == [weekly["id"]]
    assert len(app.mails(NUDGES)) == 2
    result = run(picked_at + timedelta(days=28))
    assert result["lapsed"] == [weekly["id"]]
    assert types_and_status(app.new_events(before)) == [("adoption.ended", "lapsed")]
    assert _adoption_row(app, weekly["id"]).status == "lapsed"
    assert run(picked_at + timedelta(days=29))["lapsed"] == []  # lapsing is once
    # monthly: nudge at 60 days, lapse at 120
    assert run(t0 + timedelta(days=61))["nudged"] == [monthly["id"]]
    assert run(t0 + timedelta(days=121))["lapsed"] == [monthly["id"]]
    # a lapsed adoption cannot be adopted twice, but it can be resumed (one adoption.started)
    assert (
        app.client.post("/api/v1/volunteers/adoptions", json={"street_id": 1}, headers=ann.headers).status_code == 409
    )
    before = len(app.events())
    assert (
        app.client.post(f"/api/v1/volunteers/adoptions/{weekly['id']}/resume", headers=ann.headers).status_code == 200
    )
    assert types_and_status(app.new_events(before)) == [("adoption.started", "active")]


def test_a_pause_ends_on_its_date(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    adoption = adopt(app, ann, 4)
    until = date.today() + timedelta(days=10)
    app.client.post(
        f"/api/v1/volunteers/adoptions/{adoption['id']}/pause", json={"until": until.isoformat()}, headers=ann.headers
    )
    before = len(app.events())
    with app.runtime.transaction() as session:
        during = adoptions_service.send_nudges_and_mark_lapses(session, datetime.now(UTC) + timedelta(days=5))
    assert during.resumed == [] and during.nudged == []
    on_the_day = datetime.combine(until, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
    with app.runtime.transaction() as session:
        outcome = adoptions_service.send_nudges_and_mark_lapses(session, on_the_day)
    assert outcome.resumed == [adoption["id"]] and outcome.lapsed == []
    assert types_and_status(app.new_events(before)) == [("adoption.started", "active")]


def test_periodic_function_in_handlers_runs_on_the_service_database(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    adoption = adopt(app, ann, 1)
    handlers = volunteers_handlers.make_events(lambda: app.settings)
    try:
        result = volunteers_handlers.send_nudges_and_mark_lapses(
            datetime.now(UTC) + timedelta(days=40), handlers=handlers
        )
    finally:
        handlers.close()
    assert result["lapsed"] == [adoption["id"]]
    assert _adoption_row(app, adoption["id"]).status == "lapsed"


# ---- clean-up sessions --------------------------------------------------------------------------


def plan_session(app: VolunteersApp, coordinator: Volunteer, team_id: int, capacity: int) -> dict[str, Any]:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    answer = app.client.post(
        "/api/v1/volunteers/sessions",
        json={
            "team_id": team_id,
            "title": "Spring clean",
            "street_ids": [2, 1],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "capacity": capacity,
            "meeting_point": "By the fountain",
        },
        headers=coordinator.headers,
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_session_capacity_waiting_list_and_moving_up(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    cora = app.sign_up("Cora")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Neighbours"}, headers=cora.headers).json()
    people = [app.sign_up(name) for name in ("P1", "P2", "P3", "P4")]
    # a plain member may not plan for the team
    app.client.post("/api/v1/volunteers/teams/join", json={"code": team["join_code"]}, headers=people[0].headers)
    before = len(app.events())
    starts = datetime.now(UTC) + timedelta(days=1)
    refused = app.client.post(
        "/api/v1/volunteers/sessions",
        json={
            "team_id": team["id"],
            "title": "x",
            "street_ids": [1],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "capacity": 5,
        },
        headers=people[0].headers,
    )
    assert refused.status_code == 403

    cleanup = plan_session(app, cora, team["id"], capacity=2)
    planned = app.new_events(before)
    assert types_and_status(planned) == [("cleanup.planned", "planned")]
    assert planned[0]["data"]["street_ids"] == [1, 2] and planned[0]["data"]["session_id"] == cleanup["id"]

    url = f"/api/v1/volunteers/sessions/{cleanup['id']}"
    before = len(app.events())
    answers = [app.client.post(f"{url}/signups", headers=p.headers).json() for p in people]
    assert [(a["status"], a["waiting_position"]) for a in answers] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waiting", 1),
        ("waiting", 2),
    ]
    assert app.client.post(f"{url}/signups", headers=people[0].headers).status_code == 409
    detail = app.client.get(url, headers=people[3].headers).json()
    assert (detail["places_taken"], detail["waiting"], detail["my_status"], detail["my_waiting_position"]) == (
        2,
        2,
        "waiting",
        2,
    )
    # the first on the waiting list moves up when someone with a place cancels, and is told by mail
    cancelled = app.client.delete(f"{url}/signups/me", headers=people[1].headers)
    assert cancelled.json()["moved_up"] == 1
    assert app.client.get(url, headers=people[2].headers).json()["my_status"] == "confirmed"
    assert app.client.get(url, headers=people[3].headers).json()["my_waiting_position"] == 1
    [moved_up] = app.mails(CLEANUP_CHANGES)
    assert moved_up.to == people[2].email and moved_up.subject == "You're in: Spring clean"
    # leaving the waiting list moves nobody up
    assert app.client.delete(f"{url}/signups/me", headers=people[3].headers).json()["moved_up"] == 0
    assert app.client.delete(f"{url}/signups/me", headers=people[3].headers).status_code == 404
    # signing up again after cancelling goes to the back of the queue
    assert app.client.post(f"{url}/signups", headers=people[1].headers).json()["status"] == "waiting"
    # more room: the waiting list moves up
    bigger = app.client.patch(url, json={"capacity": 3}, headers=cora.headers).json()
    assert (bigger["places_taken"], bigger["waiting"]) == (3, 0)
    assert app.client.patch(url, json={"capacity": 1}, headers=cora.headers).status_code == 409
    assert app.new_events(before) == []  # sign-ups are the service's own business

    before = len(app.events())
    assert app.client.post(f"{url}/cancel", headers=people[0].headers).status_code == 403
    assert app.client.post(f"{url}/cancel", headers=cora.headers).json()["status"] == "cancelled"
    assert types_and_status(app.new_events(before)) == [("cleanup.planned", "cancelled")]
    assert app.client.post(f"{url}/signups", headers=people[3].headers).status_code == 409
    # everyone with a place is told it is off (the waiting list is not)
    told = sorted(m.to for m in app.mails(CLEANUP_CHANGES) if m.subject == "Cancelled: Spring clean")
    assert told == sorted([people[0].email, people[2].email, people[1].email])


def test_icalendar_feed_parses_back_with_the_sessions(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    cora, pat = app.sign_up("Cora"), app.sign_up("Pat")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Feeders"}, headers=cora.headers).json()
    first = plan_session(app, cora, team["id"], capacity=1)
    second = plan_session(app, cora, team["id"], capacity=5)
    app.client.post(f"/api/v1/volunteers/sessions/{first['id']}/signups", headers=cora.headers)
    assert (
        app.client.post(f"/api/v1/volunteers/sessions/{first['id']}/signups", headers=pat.headers).json()["status"]
        == "waiting"
    )
    app.client.post(f"/api/v1/volunteers/sessions/{second['id']}/signups", headers=pat.headers)

    link = app.client.get("/api/v1/volunteers/me/calendar", headers=pat.headers).json()
    assert link["webcal_url"].startswith("webcal://")
    path = "/" + link["url"].split("/", 3)[3]
    feed = app.client.get(path)  # no bearer token: phone calendars subscribe to the private link
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"cleanup-{first['id']}@127.0.0.1", f"cleanup-{second['id']}@127.0.0.1"}
    waiting = events[f"cleanup-{first['id']}@127.0.0.1"]
    assert str(waiting["status"]) == "TENTATIVE" and "waiting list" in str(waiting["summary"])
    confirmed = events[f"cleanup-{second['id']}@127.0.0.1"]
    assert str(confirmed["status"]) == "CONFIRMED" and str(confirmed["location"]) == "By the fountain"
    assert confirmed.decoded("dtstart") == datetime.fromisoformat(second["starts_at"])
    assert confirmed.decoded("dtend") - confirmed.decoded("dtstart") == timedelta(hours=2)
    assert "Erottajankatu" in str(confirmed["description"]) and "Ludviginkatu" in str(confirmed["description"])

    rotated = app.client.post("/api/v1/volunteers/me/calendar/rotate", headers=pat.headers).json()
    assert rotated["url"] != link["url"]
    assert app.client.get(path).status_code == 404
    assert app.client.get("/api/v1/volunteers/calendar/not-a-real-token-at-all-xx.ics").status_code == 404


# ---- picks, bags, idempotency ----------------------------------------------------------------------


def test_a_pick_emits_one_event_counts_and_renews_the_pledge(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    adoption = adopt(app, ann, 1)
    counter_before = PICKS_LOGGED._value.get()
    before = len(app.events())
    photo = "data:image/png;base64," + base64.b64encode(jpeg_with_gps()).decode()  # the claimed type lies
    answer = app.client.post(
        "/api/v1/volunteers/picks",
        json={"street_ids": [1, 2], "minutes": 45, "bags": 3, "note": "cans", "photo": photo},
        headers=ann.headers,
    )
    assert answer.status_code == 201, answer.text
    pick = answer.json()
    assert pick["has_photo"] and [s["name"] for s in pick["streets"]] == ["Erottajankatu", "Ludviginkatu"]
    events = app.new_events(before)
    assert [e["type"] for e in events] == ["pick.logged"]
    assert events[0]["data"] | {"picked_at": None} == {
        "pick_id": pick["id"],
        "street_ids": [1, 2],
        "picked_at": None,
        "bags": 3,
        "minutes": 45,
        "volunteer_id": ann.id,
        "team_id": None,
    }
    assert PICKS_LOGGED._value.get() == counter_before + 1
    assert _adoption_row(app, adoption["id"]).last_pick_at is not None
    photo_answer = app.client.get(f"/api/v1/volunteers/picks/{pick['id']}/photo", headers=ann.headers)
    assert photo_answer.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(photo_answer.content)) as stored:
        assert stored.format == "JPEG" and not stored.getexif() and "exif" not in stored.info
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    refused = app.client.post(
        "/api/v1/volunteers/picks", json={"street_ids": [1], "picked_at": future}, headers=ann.headers
    )
    assert refused.status_code == 422 and len(app.new_events(before)) == 1


def test_a_pick_asks_everything_before_its_first_write(volunteers_app: VolunteersApp) -> None:
    """A pick's transaction reads what it needs (the account, the volunteer's teams, the adoptions
    it renews) before its first write, so from its first INSERT to its end it only writes: SQLite's
    one write lock (and PostgreSQL's row locks) is held for the writes alone, not for round trips
    that could have come before. It still renews the picker's pledge and no one else's, and a pick
    that renews none writes no UPDATE at all."""
    app = volunteers_app
    ann, bo = app.sign_up("Ann"), app.sign_up("Bo")
    mine, theirs = adopt(app, ann, 1), adopt(app, bo, 2)
    pick = {"street_ids": [1, 2, 3], "minutes": 30, "bags": 1}
    with statements_sent(app.runtime.engine) as sent:
        answer = app.client.post("/api/v1/volunteers/picks", json=pick, headers=ann.headers)
    assert answer.status_code == 201, answer.text
    statements = [statement for statement, _ in sent]
    first_write = next(i for i, s in enumerate(statements) if s.startswith(("insert", "update", "delete")))
    writing = statements[first_write:]
    ends = next(i for i, s in enumerate(writing) if s == "commit" or s.startswith("release savepoint"))
    assert writing[0].startswith("insert into picks"), statements
    assert not [s for s in writing[:ends] if s.startswith("select")], statements
    assert sum(s.startswith("update adoptions") for s in writing[:ends]) == 1, statements
    assert _adoption_row(app, mine["id"]).last_pick_at is not None
    assert _adoption_row(app, theirs["id"]).last_pick_at is None
    with statements_sent(app.runtime.engine) as sent:
        answer = app.client.post("/api/v1/volunteers/picks", json={**pick, "street_ids": [3]}, headers=ann.headers)
    assert answer.status_code == 201, answer.text
    assert not [s for s, _ in sent if s.startswith("update adoptions")]


def test_a_pick_on_a_street_registered_after_the_copy_was_read_into_memory_is_logged(
    volunteers_app: VolunteersApp,
) -> None:
    """Picks look streets up in the process's copy in memory; one that arrived since it was read
    is asked of the database, so a new street is pickable at once and an unknown one still refused."""
    app = volunteers_app
    ann = app.sign_up("Ann")
    first = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [1]}, headers=ann.headers)
    assert first.status_code == 201, first.text  # the copy is now in memory, without street 5
    with app.runtime.transaction() as session:
        apply_street_changed(
            session,
            StreetCopy,
            StreetChanged(
                street_id=5,
                external_id="test:5",
                name="Uudenmaankatu",
                district="Zuidwest",
                length_m=90.0,
                coordinates=[(24.9400, 60.1640), (24.9420, 60.1640)],
            ),
        )
    answer = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [5, 2]}, headers=ann.headers)
    assert answer.status_code == 201, answer.text
    assert [(s["id"], s["name"]) for s in answer.json()["streets"]] == [(2, "Ludviginkatu"), (5, "Uudenmaankatu")]
    unknown = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [2, 999]}, headers=ann.headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "street_unknown"


def test_a_pick_needs_a_live_volunteer_account_even_where_the_session_store_forgot_its_end(
    volunteers_app: VolunteersApp,
) -> None:
    """The account itself is checked on every pick, not only the token: a token of an erased
    account whose sessions' end Redis no longer holds (a restore, a flush) logs nothing."""
    app = volunteers_app
    ann = app.sign_up("Ann")
    before = len(app.events())
    with app.runtime.transaction() as session:  # erased, but her token was never cut off
        row = session.get(VolunteerRow, ann.id)
        assert row is not None
        row.deleted_at = datetime.now(UTC)
    gone = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [1]}, headers=ann.headers)
    assert gone.status_code == 404 and gone.json()["code"] == "account_gone"
    staff_token, _ = issue_token(app.settings.token_secret, "staff:2", Role.COORDINATOR, 600)
    staff = app.client.post(
        "/api/v1/volunteers/picks", json={"street_ids": [1]}, headers={"Authorization": f"Bearer {staff_token}"}
    )
    assert staff.status_code == 403 and staff.json()["code"] == "not_a_volunteer"
    assert app.new_events(before) == []
    with app.runtime.session_factory() as session:
        assert session.scalars(select(Pick).where(Pick.volunteer_id == ann.id)).first() is None


def jpeg_with_gps(size: tuple[int, int] = (80, 60)) -> bytes:
    image = Image.new("RGB", size, "green")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 55.0, 12.0), 3: "E", 4: (4.0, 28.0, 1.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("photo", "status", "fragment"),
    [
        ("data:image/jpeg;base64," + base64.b64encode(b"<?xml version='1.0'?><svg/>").decode(), 415, "not a photo"),
        ("data:image/jpeg;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\ntruncated").decode(), 415, "not a photo"),
        ("data:image/jpeg;base64,not base64!", 422, "base64"),
        ("https://example.com/a.jpg", 422, "data URL"),
    ],
)
def test_a_pick_photo_that_is_no_photo_is_refused_and_nothing_is_logged(
    volunteers_app: VolunteersApp, photo: str, status: int, fragment: str
) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    before = len(app.events())
    answer = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [1], "photo": photo}, headers=ann.headers)
    assert answer.status_code == status and fragment in answer.json()["detail"], answer.text
    assert app.new_events(before) == []
    assert app.client.get("/api/v1/volunteers/picks", headers=ann.headers).json() == []


def test_a_pick_photo_bomb_is_refused(volunteers_app: VolunteersApp) -> None:
    """A small PNG that decodes to 100 megapixels: refused on its header, before decoding."""
    app = volunteers_app
    ann = app.sign_up("Ann")
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    photo = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    answer = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [1], "photo": photo}, headers=ann.headers)
    assert answer.status_code == 413 and "pixels" in answer.json()["detail"]


def test_idempotency_key_gives_the_same_answer_and_one_object(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    posts: list[tuple[str, dict[str, Any], str | None]] = [
        ("/api/v1/volunteers/picks", {"street_ids": [3], "minutes": 20, "bags": 1}, "pick.logged"),
        ("/api/v1/volunteers/adoptions", {"street_id": 3, "rhythm": "weekly"}, "adoption.started"),
        ("/api/v1/volunteers/bags", {"lat": 60.1658, "lon": 24.9430, "bags": 2}, "bags.ready"),
        ("/api/v1/volunteers/teams", {"name": "Key team"}, None),
    ]
    for path, body, event_type in posts:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        before = len(app.events())
        first = app.client.post(path, json=body, headers=ann.headers | key)
        second = app.client.post(path, json=body, headers=ann.headers | key)
        assert first.status_code == second.status_code == 201, (path, first.text, second.text)
        assert first.json() == second.json() and second.headers.get("idempotent-replayed") == "true"
        assert [e["type"] for e in app.new_events(before)] == ([event_type] if event_type else [])
        changed = app.client.post(
            path, json={**body, "bags": 9} if "bags" in body else {**body, "x": 1}, headers=ann.headers | key
        )
        if "bags" in body:
            assert changed.status_code == 422 and "Idempotency-Key" in changed.json()["detail"]
    # the same key from someone else is their own key
    bob = app.sign_up("Bob")
    key = {"Idempotency-Key": "shared-key"}
    a = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [1]}, headers=ann.headers | key).json()
    b = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [1]}, headers=bob.headers | key).json()
    assert a["id"] != b["id"]
    # sign-up too: a retried sign-up does not fail with "already exists"
    body = {"display_name": "Cy", "email": "cy@test.example", "password": "a-long-password"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = app.client.post("/api/v1/volunteers/signup", json=body, headers=key)
    again = app.client.post("/api/v1/volunteers/signup", json=body, headers=key)
    assert first.status_code == again.status_code == 202 and first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    app.account_id("cy@test.example")  # one account


def test_bags_ready_then_collected_by_a_crew(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    before = len(app.events())
    far = app.client.post("/api/v1/volunteers/bags", json={"lat": 51.92, "lon": 4.48, "bags": 1}, headers=ann.headers)
    assert far.status_code == 422
    request = app.client.post(
        "/api/v1/volunteers/bags",
        json={"lat": 60.1659, "lon": 24.9439, "bags": 4, "note": "by the bin"},
        headers=ann.headers,
    ).json()
    assert request["street_id"] == 1 and request["status"] == "waiting"
    events = app.new_events(before)
    assert [e["type"] for e in events] == ["bags.ready"]
    assert events[0]["data"]["request_id"] == request["id"] and events[0]["data"]["bags"] == 4

    handlers = volunteers_handlers.make_events(lambda: app.settings)
    collected_at = datetime.now(UTC).replace(microsecond=0)

    def visit(visit_id: int) -> dict[str, Any]:
        data = VisitCompleted(
            visit_id=visit_id, street_id=1, completed_at=collected_at, kind="bags", bag_request_id=request["id"]
        )
        return new_event("visit.completed", "scheduling", data).model_dump(mode="json")

    try:
        message = visit(77)
        assert handlers.consume(message) is Outcome.APPLIED
        assert handlers.consume(message) is Outcome.DUPLICATE
        assert handlers.consume(visit(78)) is Outcome.APPLIED  # a second crew report changes nothing
        clean = VisitCompleted(visit_id=79, street_id=1, completed_at=collected_at)
        assert (
            handlers.consume(new_event("visit.completed", "scheduling", clean).model_dump(mode="json"))
            is Outcome.APPLIED
        )
    finally:
        handlers.close()
    mine = app.client.get("/api/v1/volunteers/bags", headers=ann.headers).json()
    assert [(r["status"], r["collected_at"]) for r in mine] == [
        ("collected", collected_at.isoformat().replace("+00:00", "Z"))
    ] or (mine[0]["status"] == "collected" and datetime.fromisoformat(mine[0]["collected_at"]) == collected_at)
    with app.runtime.session_factory() as session:
        row = session.get(BagRequest, request["id"])
        assert row is not None and row.visit_id == 77


def test_the_dispatcher_lists_waiting_bags_longest_waiting_first_without_who_asked(
    volunteers_app: VolunteersApp,
) -> None:
    app = volunteers_app
    ann, bob = app.sign_up("Ann"), app.sign_up("Bob")
    asked = [
        app.client.post(
            "/api/v1/volunteers/bags",
            json={"lat": 60.1659, "lon": 24.9439, "bags": bags, "note": note},
            headers=who.headers,
        ).json()
        for who, bags, note in ((ann, 2, "by the bin"), (bob, 5, ""), (ann, 1, "at the corner"))
    ]
    token, _ = issue_token(app.settings.token_secret, "staff:2", Role.DISPATCHER, 600)
    dispatcher = {"Authorization": f"Bearer {token}"}
    waiting = app.client.get("/api/v1/volunteers/bags/waiting", headers=dispatcher)
    assert waiting.status_code == 200, waiting.text
    listed = waiting.json()
    assert listed["total"] == 3
    assert [r["id"] for r in listed["requests"]] == [r["id"] for r in asked]
    first = listed["requests"][0]
    assert (first["bags"], first["note"], first["street_id"]) == (2, "by the bin", asked[0]["street_id"])
    assert first["street_name"] and {"lat", "lon", "ready_at"} <= set(first)
    assert not {"volunteer_id", "email", "display_name"} & set(first), "who asked stays with the volunteers"
    one = app.client.get("/api/v1/volunteers/bags/waiting?limit=1", headers=dispatcher).json()
    assert one["total"] == 3 and len(one["requests"]) == 1
    assert app.client.get("/api/v1/volunteers/bags/waiting", headers=ann.headers).status_code == 403


# ---- accounts and privacy ----------------------------------------------------------------------------


PASSWORD = "a-long-password"  # what test volunteers sign up with


def login_check(app: VolunteersApp, email: str, password: str = PASSWORD, language: str = "en") -> Any:
    """The password check the gateway's login makes (and whose 403 it passes on)."""
    return app.client.post(
        "/internal/auth/verify",
        json={"email": email, "password": password},
        headers={
            "X-Service-Token": app.settings.service_token,
            INTERNAL_CALLER_HEADER: internal_caller_credential(
                app.settings.service_token, InternalCaller.GATEWAY_LOGIN
            ),
            "Accept-Language": language,
        },
    )


def test_change_and_reset_password_through_the_mailbox(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    wrong = app.client.post(
        "/api/v1/volunteers/me/password",
        json={"current_password": "not-the-password", "new_password": "another-long-one"},
        headers=ann.headers,
    )
    assert wrong.status_code == 403
    changed = app.client.post(
        "/api/v1/volunteers/me/password",
        json={"current_password": "a-long-password", "new_password": "another-long-one"},
        headers=ann.headers,
    )
    assert changed.status_code == 204
    assert (
        login_check(app, ann.email, "another-long-one").status_code == 200
        and login_check(app, ann.email, "a-long-password").status_code == 401
    )

    unknown = app.client.post("/api/v1/volunteers/password-reset", json={"email": "nobody@test.example"})
    assert unknown.status_code == 202 and app.mails(PASSWORD_RESET) == []  # no account, no mail, same answer
    assert app.client.get("/api/v1/volunteers/me", headers=ann.headers).status_code == 401  # the change ended it
    before_reset = app.headers_for(ann.id)  # a session opened after the change, e.g. on another phone
    assert app.client.get("/api/v1/volunteers/me", headers=before_reset).status_code == 200
    assert app.client.post("/api/v1/volunteers/password-reset", json={"email": ann.email}).status_code == 202
    [mail] = app.mails(PASSWORD_RESET)
    assert mail.to == ann.email and mail.subject == "Streetcare: set a new password" and mail.language == "en"
    token = mail.body.split("Code: ", 1)[1].split()[0]
    assert f"{app.settings.public_url}/volunteer#reset={token}" in mail.body
    assert "unsubscribe" not in mail.body  # asked for: no opt-out
    confirm = {"token": token, "new_password": "brand-new-password"}
    assert app.client.post("/api/v1/volunteers/password-reset/confirm", json=confirm).status_code == 204
    assert app.client.post("/api/v1/volunteers/password-reset/confirm", json=confirm).status_code == 422  # once
    assert login_check(app, ann.email, "brand-new-password").status_code == 200
    assert app.client.get("/api/v1/volunteers/me", headers=before_reset).status_code == 401, (
        "a reset ends every session"
    )

    # the demo mailbox is closed outside demo mode
    assert app.client.get("/api/v1/volunteers/demo/mailbox", params={"to": ann.email}).status_code == 404


def test_demo_mailbox_lists_the_reset_mail_in_demo_mode(migrated: dict[str, Any], tmp_path: Path) -> None:
    """The admins' demo mailbox shows what the SMTP catcher caught."""
    with smtp_catcher(tmp_path / "caught") as catcher:
        _demo_mailbox(migrated, catcher)


def _demo_mailbox(migrated: dict[str, Any], catcher: SmtpCatcher) -> None:
    settings = migrated["volunteers"].model_copy(
        update={
            "smtp_url": catcher.url,
            "mail_catcher_dir": str(catcher.maildir),
            "mail_deliver_inline": True,
            "demo_mode": True,
        }
    )
    with TestClient(create_app(settings), headers={SERVICE_TOKEN_HEADER: settings.service_token}) as client:
        email = "demo.reset@test.example"
        client.post(
            "/api/v1/volunteers/signup", json={"display_name": "D", "email": email, "password": "a-long-password"}
        )
        client.post("/api/v1/volunteers/password-reset", json={"email": email})
        assert client.get("/api/v1/volunteers/demo/mailbox", params={"to": email}).status_code == 401
        for subject, role in (
            ("volunteer:1", Role.VOLUNTEER),
            ("staff:2", Role.DISPATCHER),
            ("staff:3", Role.INSPECTOR),
        ):
            token, _ = issue_token(settings.token_secret, subject, role, 600)  # logged in is not enough
            headers = {"Authorization": f"Bearer {token}"}
            assert (
                client.get("/api/v1/volunteers/demo/mailbox", params={"to": email}, headers=headers).status_code == 403
            )
        admin_token, _ = issue_token(settings.token_secret, "staff:1", Role.ADMIN, 600)
        client.headers["Authorization"] = f"Bearer {admin_token}"
        mailbox = client.get("/api/v1/volunteers/demo/mailbox", params={"to": email})
        assert mailbox.status_code == 200
        reset, confirm = mailbox.json()  # newest first: the reset, then the sign-up's confirmation link
        assert reset["to"] == email and "reset=" in reset["body"] and "#confirm=" in confirm["body"]
        assert client.get("/api/v1/volunteers/demo/mailbox", params={"to": "other@test.example"}).json() == []


def test_deleting_an_account_erases_the_person_and_keeps_the_picks(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann, cora = app.sign_up("Ann"), app.sign_up("Cora")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Leavers"}, headers=cora.headers).json()
    app.client.post("/api/v1/volunteers/teams/join", json={"code": team["join_code"]}, headers=ann.headers)
    adopt(app, ann, 1)
    adopt(app, ann, 2)
    cleanup = plan_session(app, cora, team["id"], capacity=1)
    app.client.post(f"/api/v1/volunteers/sessions/{cleanup['id']}/signups", headers=ann.headers)
    app.client.post(f"/api/v1/volunteers/sessions/{cleanup['id']}/signups", headers=cora.headers)
    pick = app.client.post("/api/v1/volunteers/picks", json={"street_ids": [1], "bags": 2}, headers=ann.headers).json()

    before = len(app.events())
    assert app.client.delete("/api/v1/volunteers/me", headers=ann.headers).status_code == 204
    assert sorted(types_and_status(app.new_events(before))) == [("adoption.ended", "ended")] * 2
    assert app.client.get("/api/v1/volunteers/me", headers=ann.headers).status_code == 401  # her sessions ended
    assert login_check(app, ann.email, "a-long-password").status_code == 401
    with app.runtime.session_factory() as session:
        person = session.get(VolunteerRow, ann.id)
        assert person is not None and person.email is None and person.phone is None and person.password_hash is None
        assert person.display_name == "former volunteer"
        kept = session.get(Pick, pick["id"])
        assert kept is not None and kept.volunteer_id is None and kept.bags == 2
    assert app.client.get("/api/v1/volunteers/impact/streets/1").json()["bags"] == 2
    assert app.client.get("/api/v1/volunteers/streets/1").json()["adopters"] == []
    assert app.client.get(f"/api/v1/volunteers/sessions/{cleanup['id']}", headers=cora.headers).json()["my_status"] == (
        "confirmed"
    )
    members = app.client.get(f"/api/v1/volunteers/teams/{team['id']}", headers=cora.headers).json()["members"]
    assert [m["display_name"] for m in members] == ["Cora"]
    # the email is free again
    again = app.client.post(
        "/api/v1/volunteers/signup", json={"display_name": "Ann", "email": ann.email, "password": "a-long-password"}
    )
    assert again.status_code == 202
    assert app.account_id(ann.email) != ann.id


# ---- impact ------------------------------------------------------------------------------------------


def test_impact_and_a_privacy_safe_leaderboard(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann, bob, shy = app.sign_up("Ann"), app.sign_up("Bob"), app.sign_up("Shy")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Pickers"}, headers=bob.headers).json()
    app.client.patch("/api/v1/volunteers/me", json={"leaderboard_opt_out": True}, headers=shy.headers)

    def log(who: Volunteer, streets: list[int], bags: int, minutes: int, **extra: Any) -> None:
        body = {"street_ids": streets, "bags": bags, "minutes": minutes, **extra}
        assert app.client.post("/api/v1/volunteers/picks", json=body, headers=who.headers).status_code == 201

    log(ann, [1, 2], 2, 60)
    log(ann, [4], 1, 30)
    log(bob, [1], 5, 90, team_id=team["id"])
    log(shy, [2], 9, 120)

    me = app.client.get("/api/v1/volunteers/impact/me", headers=ann.headers).json()
    assert (me["picks"], me["bags"], me["hours"], me["streets"]) == (2, 3, 1.5, 3)
    assert app.client.get(f"/api/v1/volunteers/impact/teams/{team['id']}", headers=ann.headers).status_code == 404
    team_impact = app.client.get(f"/api/v1/volunteers/impact/teams/{team['id']}", headers=bob.headers).json()
    assert (team_impact["picks"], team_impact["bags"]) == (1, 5)
    street = app.client.get("/api/v1/volunteers/impact/streets/1").json()
    assert (street["picks"], street["bags"], street["hours"]) == (2, 7, 2.5)
    district = app.client.get("/api/v1/volunteers/impact/districts/Zuidwest").json()
    assert (district["picks"], district["bags"]) == (3, 16)  # a pick on two streets counts once

    board = app.client.get("/api/v1/volunteers/leaderboard", params={"district": "Zuidwest"})
    assert board.status_code == 200
    body = board.json()
    assert [(e["rank"], e["name"], e["bags"]) for e in body["volunteers"]] == [(1, "Bob", 5), (2, "Ann", 2)]
    assert [(e["name"], e["bags"]) for e in body["teams"]] == [("Pickers", 5)]
    assert "Shy" not in board.text and "@" not in board.text


# ---- sign-up tells nobody who has an account ------------------------------------------------------


def test_sign_up_with_a_taken_address_answers_as_for_a_new_one_and_mails_the_owner(
    migrated: dict[str, Any], tmp_path: Path
) -> None:
    """A stranger cannot learn from sign-up whether an address has an account: same status, same
    body (but for the address they typed), no second account, the owner's password untouched;
    only the address itself is told, through the mail outbox and a real SMTP server."""
    with smtp_catcher(tmp_path / "caught") as catcher:
        settings = migrated["volunteers"].model_copy(
            update={"smtp_url": catcher.url, "mail_catcher_dir": str(catcher.maildir), "mail_deliver_inline": True}
        )
        with TestClient(create_app(settings), headers={SERVICE_TOKEN_HEADER: settings.service_token}) as client:
            owner = f"owner.{uuid.uuid4().hex[:6]}@test.example"
            newcomer = f"new.{uuid.uuid4().hex[:6]}@test.example"

            def sign_up(email: str, password: str, language: str = "en") -> Any:
                return client.post(
                    "/api/v1/volunteers/signup",
                    json={"display_name": "Someone", "email": email, "password": password, "language": language},
                )

            first = sign_up(owner, "the-owners-password")
            [link] = catcher.messages(to=owner)
            assert client.post("/api/v1/volunteers/signup/confirm", json={"token": confirmation_token(link)}).is_success
            taken = sign_up(owner.upper(), "an-attackers-password", language="nl")
            new = sign_up(newcomer, "a-long-password")
            assert first.status_code == taken.status_code == new.status_code == 202, taken.text
            assert taken.json() == first.json() == {"detail": first.json()["detail"]}
            assert new.json()["detail"] == first.json()["detail"].replace(owner, newcomer)
            assert "already" not in taken.text and "exists" not in taken.text

            internal = {
                "X-Service-Token": settings.service_token,
                INTERNAL_CALLER_HEADER: internal_caller_credential(
                    settings.service_token, InternalCaller.GATEWAY_LOGIN
                ),
            }

            def verify(password: str) -> int:
                answer = client.post(
                    "/internal/auth/verify", json={"email": owner, "password": password}, headers=internal
                )
                return answer.status_code

            assert verify("the-owners-password") == 200
            assert verify("an-attackers-password") == 401
            runtime: VolunteersRuntime = client.app.state.runtime  # type: ignore[attr-defined]
            with runtime.session_factory() as session:
                accounts = session.scalars(select(VolunteerRow).where(VolunteerRow.email == owner)).all()
            assert len(accounts) == 1 and accounts[0].language == "en", "a second account, or the first one changed"
        with_owner = catcher.messages(to=owner)
        assert [m.subject for m in with_owner] == [
            "Someone tried to sign up to Streetcare with your address",
            "Confirm your address for Streetcare",
        ], "the owner gets the link once, then is told of the second attempt (in their language, not the stranger's)"
        assert "log in" in with_owner[0].body and "/volunteer" in with_owner[0].body
        assert [m.subject for m in catcher.messages(to=newcomer)] == ["Confirm your address for Streetcare"]
