"""The volunteers service's mail arrives: every kind goes through the kernel's outbox to a real SMTP
server (aiosmtpd), in the volunteer's language; a rolled-back change sends nothing. And #12: a new
account confirms its address through the mailed link before it can log in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import update

from kernel.auth import LOGIN_REFUSED_HEADER
from kernel.mail import CaughtMail
from kernel.migrations import upgrade
from services.volunteers.accounts import service as accounts
from services.volunteers.accounts.models import EmailConfirmation
from services.volunteers.admin import MIGRATIONS
from services.volunteers.adoptions import service as adoptions_service
from services.volunteers.mail.outbox import CLEANUP_CHANGES, CONFIRM_EMAIL, NUDGES, PASSWORD_RESET, SIGNUP_ATTEMPT
from services.volunteers.tests.test_service import (
    PASSWORD,
    VolunteersApp,
    _set_start,
    adopt,
    confirmation_token,
    login_check,
    plan_session,
    volunteers_app,
)

__all__ = ["volunteers_app"]  # the fixture, shared with the service's other tests


def sign_up(app: VolunteersApp, email: str, language: str = "nl", password: str = PASSWORD) -> Any:
    answer = app.client.post(
        "/api/v1/volunteers/signup",
        json={"display_name": "Noor", "email": email, "password": password, "language": language},
    )
    assert answer.status_code == 202, answer.text
    return answer.json()


def confirm(app: VolunteersApp, token: str) -> Any:
    return app.client.post("/api/v1/volunteers/signup/confirm", json={"token": token})


def kind_of(mail: CaughtMail) -> str:
    return mail.headers["X-Streetcare-Kind"]


def test_a_new_account_logs_in_only_after_following_the_mailed_link(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    email = "noor@test.example"
    answer = sign_up(app, email, language="nl")
    assert "check your mail" in answer["detail"] and "confirm" in answer["detail"]

    # before the link: the right password gets a 403 that says what to do, in the asker's language
    dutch = login_check(app, email, language="nl-NL,nl;q=0.9")
    assert dutch.status_code == 403 and "volg de link in de mail" in dutch.json()["detail"]
    assert dutch.headers[LOGIN_REFUSED_HEADER] == "email-unconfirmed"  # what the gateway's login passes on
    english = login_check(app, email, language="en")
    assert english.status_code == 403 and "follow the link in the mail" in english.json()["detail"]
    assert login_check(app, email, password="not-the-password").status_code == 401  # tells nothing more

    # the mail arrived over SMTP, in Dutch, with a link that opens the volunteer page
    [mail] = app.catcher.messages(to=email)
    assert kind_of(mail) == CONFIRM_EMAIL.code and mail.language == "nl"
    assert mail.subject == "Bevestig je adres voor Streetcare" and "48 uur" in mail.body
    assert f"{app.settings.public_url}/volunteer#confirm=" in mail.body
    assert "afmelden" not in mail.body.lower() and "unsubscribe" not in mail.body  # asked for: no opt-out

    confirmed = confirm(app, confirmation_token(mail))
    assert confirmed.status_code == 200 and confirmed.json()["email"] == email
    assert login_check(app, email).status_code == 200
    # the link works once
    again = confirm(app, confirmation_token(mail))
    assert again.status_code == 422 and "ask for a new link" in again.json()["detail"]
    assert confirm(app, "x" * 43).status_code == 422
    assert confirm(app, "short").status_code == 422  # validated before it is looked up


def test_a_confirmation_link_expires(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    sign_up(app, "late@test.example", language="en")
    token = app.confirmation_token("late@test.example")
    with app.runtime.transaction() as session:
        session.execute(update(EmailConfirmation).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert confirm(app, token).status_code == 422
    assert login_check(app, "late@test.example").status_code == 403


def test_a_new_link_is_sent_again_without_telling_who_has_an_account(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    waiting, confirmed_person = "waiting@test.example", app.sign_up("Confirmed")

    def resend(email: str) -> Any:
        return app.client.post("/api/v1/volunteers/signup/resend", json={"email": email})

    sign_up(app, waiting, language="en")
    answers = [resend(email) for email in (waiting, "nobody@test.example", confirmed_person.email)]
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1  # the same answer for each
    first, second = app.mails(CONFIRM_EMAIL, to=waiting)[::-1]
    assert first.subject == second.subject == "Confirm your address for Streetcare"
    assert app.catcher.messages(to="nobody@test.example") == []
    assert [kind_of(m) for m in app.catcher.messages(to=confirmed_person.email)] == [
        CONFIRM_EMAIL.code
    ]  # only its first
    # either link confirms; signing up again while waiting mails a link again (not "someone tried")
    assert confirm(app, confirmation_token(first)).status_code == 200
    assert login_check(app, waiting).status_code == 200
    sign_up(app, waiting, language="en", password="another-long-password")
    assert kind_of(app.catcher.messages(to=waiting)[0]) == SIGNUP_ATTEMPT.code
    assert login_check(app, waiting, password="another-long-password").status_code == 401  # nothing changed
    assert resend("").status_code == 422


def test_admin_and_demo_accounts_are_confirmed(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    with app.runtime.transaction() as session:
        accounts.ensure_volunteer(session, display_name="Demo", email="demo@test.example", password=PASSWORD)
    assert login_check(app, "demo@test.example").status_code == 200
    # one left waiting becomes confirmed when an operator sets its password
    sign_up(app, "stuck@test.example")
    with app.runtime.transaction() as session:
        accounts.ensure_volunteer(session, display_name="Stuck", email="stuck@test.example", password=PASSWORD)
    assert login_check(app, "stuck@test.example").status_code == 200


def test_every_kind_of_mail_arrives_in_the_volunteers_language(volunteers_app: VolunteersApp) -> None:
    """Nudges, clean-up cancellations and places, and a reset: over SMTP, in Dutch for a Dutch volunteer."""
    app = volunteers_app
    cora, piet, els = app.sign_up("Cora", language="en"), app.sign_up("Piet", "nl"), app.sign_up("Els", "nl")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Buren"}, headers=cora.headers).json()
    cleanup = plan_session(app, cora, team["id"], capacity=1)
    url = f"/api/v1/volunteers/sessions/{cleanup['id']}"
    app.client.post(f"{url}/signups", headers=piet.headers)
    app.client.post(f"{url}/signups", headers=els.headers)  # waits
    # Piet deletes his account: his place goes to Els, who is told
    assert app.client.delete("/api/v1/volunteers/me", headers=piet.headers).status_code == 204
    [place] = app.mails(CLEANUP_CHANGES, to=els.email)
    assert place.subject == "Je doet mee: Spring clean" and place.language == "nl"
    assert "Geen mail meer over opruimacties: http" in place.body
    assert app.client.post(f"{url}/cancel", headers=cora.headers).status_code == 200
    cancelled, _ = app.mails(CLEANUP_CHANGES, to=els.email)
    assert cancelled.subject == "Afgelast: Spring clean" and "gaat niet door" in cancelled.body

    adoption = adopt(app, els, 1)
    _set_start(app, adoption["id"], datetime.now(UTC) - timedelta(days=15))
    with app.runtime.transaction() as session:
        assert adoptions_service.send_nudges_and_mark_lapses(session).nudged == [adoption["id"]]
    [nudge] = app.mails(NUDGES, to=els.email)
    assert nudge.subject == "Hoe gaat het met de Erottajankatu?" and "wekelijks" in nudge.body

    assert app.client.post("/api/v1/volunteers/password-reset", json={"email": els.email}).status_code == 202
    [reset] = app.mails(PASSWORD_RESET, to=els.email)
    assert reset.subject == "Streetcare: nieuw wachtwoord instellen" and "#reset=" in reset.body
    assert reset.headers["From"] == app.settings.mail_sender
    # each delivered once, recorded as sent in the service's outbox
    with app.runtime.session_factory() as session:
        rows = session.execute(
            sa.text("SELECT attempts, sent_at FROM mail_outbox WHERE recipient = :r"), {"r": els.email}
        )
        assert {(attempts, sent is not None) for attempts, sent in rows} == {(1, True)}


def test_nudges_and_clean_up_mail_can_be_opted_out_of_a_reset_cannot(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    adoption = adopt(app, ann, 2)
    _set_start(app, adoption["id"], datetime.now(UTC) - timedelta(days=15))
    with app.runtime.transaction() as session:
        adoptions_service.send_nudges_and_mark_lapses(session)
    [nudge] = app.mails(NUDGES, to=ann.email)
    link = nudge.body.split("No more reminders: ", 1)[1].split()[0]
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["kind"] == NUDGES.code
    assert app.client.post(parts.path, data=query).status_code == 200
    # silent again after a pick: no second reminder arrives, and none waits in the outbox
    picked_at = datetime.now(UTC)
    with app.runtime.transaction() as session:
        pledges = adoptions_service.pledges_renewed_by(session, [2], ann.id, None)
        adoptions_service.renew_pledges(session, pledges, picked_at)
        later = adoptions_service.send_nudges_and_mark_lapses(session, picked_at + timedelta(days=15))
        assert later.nudged == [adoption["id"]]
    assert len(app.mails(NUDGES, to=ann.email)) == 1
    # the kinds a person asks for have no unsubscribe link and cannot be turned off
    for kind in (PASSWORD_RESET, CONFIRM_EMAIL):
        refused = app.client.post(parts.path, data={**query, "kind": kind.code})
        assert refused.status_code == 404, kind


def test_a_rolled_back_change_sends_nothing(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    ann = app.sign_up("Ann")
    with pytest.raises(RuntimeError), app.runtime.transaction() as session:
        assert accounts.request_reset(session, ann.email) is not None
        raise RuntimeError("the change fails")
    assert app.mails(PASSWORD_RESET) == []
    with app.runtime.session_factory() as session:
        queued = session.execute(
            sa.text("SELECT count(*) FROM mail_outbox WHERE kind = :k"), {"k": PASSWORD_RESET.code}
        )
        assert queued.scalar_one() == 0
    # a sign-up refused before its commit (invalid body) mails nothing either
    bad = app.client.post(
        "/api/v1/volunteers/signup", json={"display_name": "X", "email": "x@test.example", "password": "short"}
    )
    assert bad.status_code == 422 and app.catcher.messages(to="x@test.example") == []


def test_the_migration_counts_existing_accounts_as_confirmed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'volunteers.db'}"
    upgrade(MIGRATIONS, url, "0005")
    engine = sa.create_engine(url)
    created = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO volunteers (display_name, email, role, language, created_at, leaderboard_opt_out) "
                "VALUES ('Old', 'old@test.example', 'volunteer', 'nl', :at, false)"
            ),
            {"at": created},
        )
    upgrade(MIGRATIONS, url)
    with engine.connect() as connection:
        [(confirmed_at, created_at)] = connection.execute(
            sa.text("SELECT email_confirmed_at, created_at FROM volunteers")
        )
        assert confirmed_at is not None and confirmed_at == created_at
        assert connection.execute(sa.text("SELECT count(*) FROM email_confirmations")).scalar_one() == 0
    engine.dispose()
