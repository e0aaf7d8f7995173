"""`visit.completed` thanks the volunteers, as the design says: the adopters of a street a crew cleaned,
the volunteer whose bags a crew collected — by mail delivered to a real SMTP server (aiosmtpd), in each
volunteer's language, once per event, and not to whoever unsubscribed from thanks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from conftest import SERVICE_HEADERS, bearer
from kernel.auth import Role
from kernel.events import VisitCompleted, new_event
from kernel.mail import CaughtMail
from services.volunteers import handlers as volunteers_handlers
from services.volunteers.app import create_app
from services.volunteers.mail.outbox import THANKS
from services.volunteers.settings import VolunteersRuntime
from services.volunteers.tests.test_service import VolunteersApp, adopt, load_streets
from tests.smtp_catcher import SmtpCatcher, smtp_catcher


@pytest.fixture
def app_and_catcher(
    migrated: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[VolunteersApp, SmtpCatcher]]:
    with smtp_catcher(tmp_path / "caught") as catcher:
        settings = migrated["volunteers"].model_copy(
            update={
                "smtp_url": catcher.url,
                "mail_deliver_inline": True,
                "public_url": "https://streetcare.example",
                "mail_catcher_dir": str(catcher.maildir),
            }
        )
        # the worker's consumer builds its settings from the environment, as in production
        for name, value in {
            "VOLUNTEERS_DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "STREETCARE_TOKEN_SECRET": settings.token_secret,
            "STREETCARE_SERVICE_TOKEN": settings.service_token,
            "STREETCARE_SMTP_URL": catcher.url,
            "STREETCARE_MAIL_DELIVER_INLINE": "1",
            "VOLUNTEERS_PUBLIC_URL": "https://streetcare.example",
        }.items():
            monkeypatch.setenv(name, value)
        volunteers_handlers.events.close()
        app = create_app(settings)
        try:
            with TestClient(app, headers=SERVICE_HEADERS) as client:
                runtime: VolunteersRuntime = app.state.runtime
                load_streets(runtime)
                yield VolunteersApp(client, settings, runtime, catcher), catcher
        finally:
            volunteers_handlers.events.close()


def thanks_to(catcher: SmtpCatcher, email: str) -> list[CaughtMail]:
    """The thank-you mails to ``email`` (a sign-up also mails the link that confirms the address)."""
    return [m for m in catcher.messages(to=email) if m.headers.get("X-Streetcare-Kind") == THANKS.code]


def visit(street_id: int, kind: str = "clean", bag_request_id: int | None = None) -> dict[str, Any]:
    data = VisitCompleted(
        visit_id=1, street_id=street_id, completed_at=datetime.now(UTC), kind=kind, bag_request_id=bag_request_id
    )
    return new_event("visit.completed", "scheduling", data).model_dump(mode="json")


def test_adopters_are_thanked_once_in_their_language(app_and_catcher: tuple[VolunteersApp, SmtpCatcher]) -> None:
    app, catcher = app_and_catcher
    anna, bert, carl = app.sign_up("Anna", language="nl"), app.sign_up("Bert", language="en"), app.sign_up("Carl")
    adopt(app, anna, 1)
    adopt(app, bert, 1)
    adopt(app, carl, 2)  # another street: not thanked for street 1
    event = visit(1)
    assert volunteers_handlers.events.consume(event).value == "applied"
    assert volunteers_handlers.events.consume(event).value == "duplicate"
    [to_anna] = thanks_to(catcher, anna.email)
    [to_bert] = thanks_to(catcher, bert.email)
    assert thanks_to(catcher, carl.email) == []
    assert to_anna.language == "nl" and to_anna.subject == "Bedankt dat u voor Erottajankatu zorgt"
    assert "Hallo Anna" in to_anna.body and "https://streetcare.example/volunteer" in to_anna.body
    assert to_bert.language == "en" and to_bert.subject == "Thank you for looking after Erottajankatu"


def test_bags_collected_thank_the_volunteer_who_asked(app_and_catcher: tuple[VolunteersApp, SmtpCatcher]) -> None:
    app, catcher = app_and_catcher
    dora = app.sign_up("Dora", language="en")
    asked = app.client.post(
        "/api/v1/volunteers/bags", json={"lat": 60.1658, "lon": 24.943, "bags": 2, "street_id": 2}, headers=dora.headers
    )
    assert asked.status_code == 201, asked.text
    assert volunteers_handlers.events.consume(visit(2, "bags", asked.json()["id"])).value == "applied"
    [mail] = thanks_to(catcher, dora.email)
    assert mail.subject == "Thank you: your bags on Ludviginkatu were collected"


def test_unsubscribed_volunteers_are_not_thanked(app_and_catcher: tuple[VolunteersApp, SmtpCatcher]) -> None:
    app, catcher = app_and_catcher
    erik = app.sign_up("Erik", language="en")
    adopt(app, erik, 3)
    volunteers_handlers.events.consume(visit(3))
    [mail] = thanks_to(catcher, erik.email)
    link = next(line.split(": ", 1)[1] for line in mail.body.splitlines() if line.startswith("No more thank-you"))
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert app.client.get(parts.path, params=query).status_code == 200
    assert app.client.post(parts.path, data={**query, "to": "someone@else.example"}).status_code == 403
    assert app.client.post(parts.path, data=query).status_code == 200
    volunteers_handlers.events.consume(visit(3))
    assert len(thanks_to(catcher, erik.email)) == 1


def test_the_demo_mailbox_shows_what_the_smtp_catcher_caught(
    app_and_catcher: tuple[VolunteersApp, SmtpCatcher], migrated: dict[str, Any]
) -> None:
    app, catcher = app_and_catcher
    fay = app.sign_up("Fay", language="en")
    adopt(app, fay, 4)
    volunteers_handlers.events.consume(visit(4))
    settings = app.settings.model_copy(update={"demo_mode": True, "mail_catcher_dir": str(catcher.maildir)})
    with TestClient(create_app(settings), headers=SERVICE_HEADERS) as client:
        answer = client.get("/api/v1/volunteers/demo/mailbox", params={"to": fay.email}, headers=bearer(Role.ADMIN))
        mails = answer.json()
    assert len(mails) == 2  # the welcome and the thank-you
    [mail] = [m for m in mails if m["subject"].startswith("Thank you")]
    assert mail["subject"] == "Thank you for looking after Kalevankatu" and "Hello Fay" in mail["body"]
