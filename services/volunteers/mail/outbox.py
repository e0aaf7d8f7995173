"""The volunteers service's mail outbox (kernel.mail): every mail the service sends is queued
here in the change's transaction and delivered over SMTP after the commit, in the volunteer's language.

Kinds a person asked for (the address confirmation, a password reset, "someone tried to sign up") cannot
be opted out of; thanks, nudges and clean-up changes carry a signed unsubscribe link."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from kernel.mail import DeliveryReport, MailKind, MailOutbox, MailTemplates, opt_out_link
from kernel.runtime import runtime_of
from services.volunteers.database import MailOptOut, MailOutboxMessage
from services.volunteers.settings import VolunteersRuntime, VolunteersSettings

TEMPLATES = MailTemplates(Path(__file__).parent / "templates")
THANKS = MailKind("volunteer.thanks", "thanks after a crew's visit", "bedankjes na een bezoek van een ploeg")
NUDGES = MailKind("volunteer.nudges", "reminders when no pick was logged", "herinneringen als er niet geprikt is")
CLEANUP_CHANGES = MailKind(
    "volunteer.cleanups", "clean-ups cancelled or a place opened up", "opruimacties afgelast of een plek vrijgekomen"
)
# asked for by whoever signed up or forgot a password: no opt-out
CONFIRM_EMAIL = MailKind(
    "volunteer.confirm_email", "the link that confirms your address", "de link die je adres bevestigt", opt_out=False
)
PASSWORD_RESET = MailKind("volunteer.password_reset", "password reset", "nieuw wachtwoord", opt_out=False)
SIGNUP_ATTEMPT = MailKind(
    "volunteer.signup_attempt",
    "someone tried to sign up with your address",
    "iemand probeerde zich met jouw adres aan te melden",
    opt_out=False,
)
KINDS = {kind.code: kind for kind in (THANKS, NUDGES, CLEANUP_CHANGES, CONFIRM_EMAIL, PASSWORD_RESET, SIGNUP_ATTEMPT)}
UNSUBSCRIBE_PATH = "/api/v1/volunteers/mail/unsubscribe"
PAGE_PATH = "/volunteer"


class Recipient(Protocol):
    """Whom a mail goes to (a volunteer account): mail sits below the accounts, so it names only
    what it reads."""

    display_name: str
    email: str | None
    language: str
    deleted_at: datetime | None


def outbox_for(runtime: VolunteersRuntime) -> MailOutbox:
    """One per process: it delivers in a background thread after each commit."""
    return runtime.kept(
        "mail_outbox",
        lambda: MailOutbox.for_process(
            "volunteers", MailOutboxMessage, MailOptOut, runtime.session_factory, runtime.settings
        ),
    )


def deliver_due_mail(runtime: VolunteersRuntime) -> DeliveryReport:
    """For the worker's periodic sweep: what the after-commit attempt could not deliver."""
    return outbox_for(runtime).deliver()


def settings_of(session: Session) -> VolunteersSettings:
    """The settings of the process the session belongs to (a request's, or a worker's)."""
    return runtime_of(session, VolunteersSettings).settings


def page_link(settings: VolunteersSettings, fragment: str = "") -> str:
    """The volunteer page, optionally with a `#…` the page acts on (a reset or confirmation token)."""
    return f"{settings.public_url.rstrip('/')}{PAGE_PATH}{'#' + fragment if fragment else ''}"


def send(session: Session, kind: MailKind, template: str, person: Recipient, context: dict[str, Any]) -> str | None:
    """Queue one mail to `person` in the session's transaction, rendered in their language; a kind
    that can be opted out of gets its signed unsubscribe link. None when there is no address or the
    person opted out of this kind."""
    if person.email is None or person.deleted_at is not None:
        return None
    runtime = runtime_of(session, VolunteersSettings)
    settings = runtime.settings
    values = {"name": person.display_name, "page_link": page_link(settings), **context}
    if kind.opt_out:
        values["unsubscribe_link"] = opt_out_link(
            settings.public_url.rstrip("/") + UNSUBSCRIBE_PATH, settings.token_secret, person.email, kind.code
        )
    subject, body = TEMPLATES.render(template, person.language, values)
    return outbox_for(runtime).queue(session, kind, person.email, person.language, subject, body)


def when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def ask_to_confirm(session: Session, person: Recipient, token: str, valid_minutes: int) -> None:
    """The sign-up's mail: the single-use link that confirms the address."""
    settings = settings_of(session)
    context = {
        "confirm_link": page_link(settings, f"confirm={token}"),
        "login_link": page_link(settings),
        "valid_hours": max(1, round(valid_minutes / 60)),
    }
    send(session, CONFIRM_EMAIL, "confirm_email", person, context)


def tell_about_sign_up_attempt(session: Session, person: Recipient) -> None:
    """Sign-up answers the same whether or not the address had an account; this mail, sent only to
    the address itself, is where the difference shows."""
    send(session, SIGNUP_ATTEMPT, "signup_attempt", person, {"login_link": page_link(settings_of(session))})


def send_password_reset(session: Session, person: Recipient, token: str, valid_minutes: int) -> None:
    settings = settings_of(session)
    context = {"reset_link": page_link(settings, f"reset={token}"), "token": token, "valid_minutes": valid_minutes}
    send(session, PASSWORD_RESET, "password_reset", person, context)


def nudge(session: Session, person: Recipient, street: str, rhythm: str) -> None:
    send(session, NUDGES, "nudge", person, {"street": street, "rhythm": rhythm})


def tell_cleanup_cancelled(session: Session, person: Recipient, title: str, starts_at: datetime) -> None:
    send(session, CLEANUP_CHANGES, "cleanup_cancelled", person, {"title": title, "starts_at": when(starts_at)})


def tell_place_opened(session: Session, person: Recipient, title: str, starts_at: datetime) -> None:
    send(session, CLEANUP_CHANGES, "cleanup_place", person, {"title": title, "starts_at": when(starts_at)})
