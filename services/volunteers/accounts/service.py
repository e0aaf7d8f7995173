"""Accounts: sign-up, passwords and resets, private details, and erasing an account."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from services.volunteers.accounts import repository
from services.volunteers.accounts.models import PasswordReset, Volunteer
from services.volunteers.adoptions import service as adoptions
from services.volunteers.bags import service as bags
from services.volunteers.idempotency.models import IdempotencyRecord
from services.volunteers.mail import outbox as mail_outbox
from services.volunteers.mail.service import Mailer
from services.volunteers.picks import service as picks
from services.volunteers.sessions import service as sessions
from services.volunteers.teams import service as teams
from streetcare.core.auth import hash_password, verify_password
from streetcare.core.errors import Forbidden, Unprocessable
from streetcare.core.idempotency import forget_scope

ERASED_NAME = "former volunteer"


def sign_up(
    session: Session, *, display_name: str, email: str, password: str, language: str = "nl"
) -> Volunteer | None:
    """A new account, welcomed by mail; for an address that has one, None and a mail to its owner
    (the caller answers both alike: whether an address has an account is not for strangers)."""
    email = email.strip().lower()
    existing = repository.by_email(session, email)
    if existing is not None:
        hash_password(password)  # as long as a new account takes: the answer's timing tells nothing either
        mail_outbox.tell_about_sign_up(session, existing, new=False)
        return None
    volunteer = create_account(session, display_name=display_name, email=email, password=password, language=language)
    mail_outbox.tell_about_sign_up(session, volunteer, new=True)
    return volunteer


def create_account(
    session: Session, *, display_name: str, email: str, password: str, language: str = "nl"
) -> Volunteer:
    volunteer = Volunteer(
        display_name=display_name.strip(),
        email=email,
        password_hash=hash_password(password),
        language=language,
        leaderboard_opt_out=False,
    )
    session.add(volunteer)
    session.flush()
    return volunteer


def ensure_volunteer(session: Session, *, display_name: str, email: str, password: str) -> Volunteer:
    """Idempotent for the demo: an existing account gets the given password."""
    volunteer = repository.by_email(session, email)
    if volunteer is None:
        return create_account(session, display_name=display_name, email=email.strip().lower(), password=password)
    volunteer.password_hash = hash_password(password)
    return volunteer


def verify_credentials(session: Session, email: str, password: str) -> Volunteer | None:
    volunteer = repository.by_email(session, email)
    usable = volunteer is not None and volunteer.deleted_at is None
    if not verify_password(volunteer.password_hash if usable and volunteer else None, password):
        return None
    return volunteer


def update_profile(
    volunteer: Volunteer,
    *,
    display_name: str | None = None,
    phone: str | None = None,
    language: str | None = None,
    leaderboard_opt_out: bool | None = None,
) -> Volunteer:
    if display_name is not None:
        volunteer.display_name = display_name.strip()
    if phone is not None:
        volunteer.phone = phone.strip() or None
    if language is not None:
        volunteer.language = language
    if leaderboard_opt_out is not None:
        volunteer.leaderboard_opt_out = leaderboard_opt_out
    return volunteer


def change_password(volunteer: Volunteer, current_password: str, new_password: str) -> None:
    if not verify_password(volunteer.password_hash, current_password):
        raise Forbidden("the current password is not right")
    if current_password == new_password:
        raise Unprocessable("choose a new password that differs from the current one")
    volunteer.password_hash = hash_password(new_password)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(session: Session, mailer: Mailer, email: str, public_url: str, valid_minutes: int = 60) -> str | None:
    """Mail a reset link when the account exists; the caller never learns whether it does."""
    volunteer = repository.by_email(session, email)
    if volunteer is None or volunteer.deleted_at is not None or volunteer.email is None:
        return None
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        PasswordReset(
            volunteer_id=volunteer.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=valid_minutes),
        )
    )
    session.flush()
    dutch = volunteer.language == "nl"
    link = f"{public_url.rstrip('/')}/volunteer#reset={token}"
    if dutch:
        subject = "Streetcare: nieuw wachtwoord instellen"
        body = (
            f"Hallo {volunteer.display_name},\n\nMet deze link stel je een nieuw wachtwoord in "
            f"(geldig {valid_minutes} minuten):\n\n{link}\n\nCode: {token}\n\n"
            "Heb je dit niet gevraagd? Dan hoef je niets te doen.\n"
        )
    else:
        subject = "Streetcare: set a new password"
        body = (
            f"Hello {volunteer.display_name},\n\nUse this link to set a new password "
            f"(valid for {valid_minutes} minutes):\n\n{link}\n\nCode: {token}\n\n"
            "Did not ask for this? Then there is nothing to do.\n"
        )
    mailer.send(volunteer.email, subject, body)
    return token


def confirm_reset(session: Session, token: str, new_password: str) -> Volunteer:
    reset = repository.reset_by_hash(session, _hash(token.strip()))
    now = datetime.now(UTC)
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise Unprocessable("this reset link is unknown, used or expired; ask for a new one")
    volunteer = repository.get(session, reset.volunteer_id)
    if volunteer is None or volunteer.deleted_at is not None:
        raise Unprocessable("this reset link is unknown, used or expired; ask for a new one")
    reset.used_at = now
    volunteer.password_hash = hash_password(new_password)
    return volunteer


def calendar_token(volunteer: Volunteer, rotate: bool = False) -> str:
    if volunteer.calendar_token is None or rotate:
        volunteer.calendar_token = secrets.token_urlsafe(32)
    return volunteer.calendar_token


def delete_account(session: Session, volunteer: Volunteer, mailer: Mailer | None = None) -> None:
    """Erase the person, keep what they did: adoptions end (each an event), sign-ups are
    cancelled (the waiting list moves up), picks and bag requests stay without a name."""
    adoptions.end_all_of_volunteer(session, volunteer.id)
    sessions.cancel_all_signups_of(session, volunteer.id, mailer)
    for team_id in teams.leave_all(session, volunteer.id):
        adoptions.end_all_of_team(session, team_id)
    picks.anonymise(session, volunteer.id)
    bags.anonymise(session, volunteer.id)
    repository.forget_resets(session, volunteer.id)
    forget_scope(session, IdempotencyRecord, f"volunteer:{volunteer.id}")
    volunteer.display_name = ERASED_NAME
    volunteer.email = None
    volunteer.phone = None
    volunteer.password_hash = None
    volunteer.calendar_token = None
    volunteer.leaderboard_opt_out = True
    volunteer.deleted_at = datetime.now(UTC)


# secrets that prove nothing to the person and would be a risk in a downloaded file
EXPORT_WITHHELD = frozenset({"password_hash", "token_hash", "calendar_token", "join_code"})


def _as_record(row: Any) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column in sa_inspect(row).mapper.column_attrs:
        value = getattr(row, column.key)
        if column.key in EXPORT_WITHHELD:
            record[column.key] = "(withheld: a secret)" if value else None
        elif isinstance(value, bytes):
            record[column.key] = base64.b64encode(value).decode()
        else:
            record[column.key] = value
    return record


def export_data(session: Session, volunteer: Volunteer) -> dict[str, Any]:
    """Everything the volunteers service holds about this person, table by table."""
    rows = repository.records_about(session, volunteer.id)
    return {
        "exported_at": datetime.now(UTC),
        "account": _as_record(volunteer),
        **{kind: [_as_record(row) for row in found] for kind, found in rows.items()},
        "note": (
            "Reports you filed as a resident are kept by the reports service without your account; "
            "photos are base64-encoded."
        ),
    }
