"""The volunteers service's mail outbox (streetcare.core.mail): thanks after a crew's visit, in the
volunteer's language, with a signed unsubscribe link."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from services.volunteers.accounts import repository as accounts
from services.volunteers.accounts.models import Volunteer
from services.volunteers.adoptions import repository as adoptions
from services.volunteers.bags import repository as bags
from services.volunteers.database import MailOptOut, MailOutboxMessage
from services.volunteers.mail import repository
from services.volunteers.settings import VolunteersSettings
from services.volunteers.teams import repository as teams
from streetcare.core.events import VisitCompleted
from streetcare.core.mail import DeliveryReport, MailKind, MailOutbox, MailTemplates, opt_out_link
from streetcare.core.runtime import ServiceRuntime, runtime_of
from streetcare.core.street_copy import street_label

TEMPLATES = MailTemplates(Path(__file__).parent / "templates")
THANKS = MailKind("volunteer.thanks", "thanks after a crew's visit", "bedankjes na een bezoek van een ploeg")
# sign-up mail: asked for by whoever signed up, so no opt-out (like a password reset)
WELCOME = MailKind("volunteer.welcome", "welcome after signing up", "welkom na het aanmelden", opt_out=False)
SIGNUP_ATTEMPT = MailKind(
    "volunteer.signup_attempt",
    "someone tried to sign up with your address",
    "iemand probeerde zich met jouw adres aan te melden",
    opt_out=False,
)
KINDS = {THANKS.code: THANKS, WELCOME.code: WELCOME, SIGNUP_ATTEMPT.code: SIGNUP_ATTEMPT}
UNSUBSCRIBE_PATH = "/api/v1/volunteers/mail/unsubscribe"


def outbox_for(runtime: ServiceRuntime) -> MailOutbox:
    """One per process: it delivers in a background thread after each commit."""
    found = runtime.extras.get("mail_outbox")
    if found is None:
        settings: VolunteersSettings = runtime.settings
        found = runtime.extras["mail_outbox"] = MailOutbox(
            "volunteers",
            MailOutboxMessage,
            MailOptOut,
            runtime.session_factory,
            settings,
            deliver_in_background=not settings.mail_deliver_inline,
        )
    return found


def deliver_due_mail(runtime: ServiceRuntime) -> DeliveryReport:
    """For the worker's periodic sweep: what the after-commit attempt could not deliver."""
    return outbox_for(runtime).deliver()


def _people_to_thank(session: Session, data: VisitCompleted) -> list[Volunteer]:
    ids: set[int] = set()
    if data.kind == "bags" and data.bag_request_id is not None:
        request = bags.get(session, data.bag_request_id)
        if request is not None and request.volunteer_id is not None:
            ids.add(request.volunteer_id)
    elif data.kind == "clean":
        for adoption in adoptions.visible_on_street(session, data.street_id):
            if adoption.volunteer_id is not None:
                ids.add(adoption.volunteer_id)
            if adoption.team_id is not None:
                ids.update(teams.member_ids(session, adoption.team_id))
    if not ids:
        return []
    found = accounts.present_by_ids(session, ids)
    return [person for person in found if person.email]


def thank_after_visit(session: Session, data: VisitCompleted) -> int:
    """The adopters of a street a crew cleaned, or the volunteer whose bags it collected, are thanked.
    Runs in the event's transaction, so a redelivered event (already in the inbox) thanks nobody twice."""
    runtime = runtime_of(session)
    settings: VolunteersSettings = runtime.settings
    outbox = outbox_for(runtime)
    street = repository.street_name(session, data.street_id) or street_label(data.street_id, None)
    queued = 0
    for person in _people_to_thank(session, data):
        assert person.email is not None
        subject, body = TEMPLATES.render(
            "thanks",
            person.language,
            {
                "name": person.display_name,
                "kind": data.kind,
                "street": street,
                "impact_link": f"{settings.public_url.rstrip('/')}/volunteer",
                "unsubscribe_link": opt_out_link(
                    settings.public_url.rstrip("/") + UNSUBSCRIBE_PATH, settings.token_secret, person.email, THANKS.code
                ),
            },
        )
        if outbox.queue(session, THANKS, person.email, person.language, subject, body) is not None:
            queued += 1
    return queued


def tell_about_sign_up(session: Session, person: Volunteer, *, new: bool) -> None:
    """Sign-up answers the same whether or not the address had an account; this mail, sent only to
    the address itself, is where the difference shows: a welcome, or "someone tried"."""
    if person.email is None:
        return
    runtime = runtime_of(session)
    settings: VolunteersSettings = runtime.settings
    subject, body = TEMPLATES.render(
        "welcome" if new else "signup_attempt",
        person.language,
        {"name": person.display_name, "login_link": f"{settings.public_url.rstrip('/')}/volunteer"},
    )
    outbox_for(runtime).queue(session, WELCOME if new else SIGNUP_ATTEMPT, person.email, person.language, subject, body)
