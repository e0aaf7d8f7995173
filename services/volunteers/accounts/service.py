"""Accounts: sign-up and the address confirmation, passwords and resets, private details (erasing an
account is `leaving`, which reaches every domain)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from kernel.auth import hash_password, verify_password
from kernel.errors import Forbidden, Unprocessable
from services.volunteers.accounts import repository
from services.volunteers.accounts.models import EmailConfirmation, PasswordReset, SingleUseToken, Volunteer
from services.volunteers.mail import outbox as mail_outbox

ERASED_NAME = "former volunteer"


def sign_up(
    session: Session,
    *,
    display_name: str,
    email: str,
    password: str,
    language: str = "nl",
    confirm_minutes: int = 48 * 60,
) -> Volunteer | None:
    """A new account, unconfirmed, with a mail holding the link that confirms its address. For an
    address that has an account, None and a mail to its owner: a new confirmation link while the
    account waits for one, else "someone tried to sign up" (the caller answers all alike: whether an
    address has an account is not for strangers)."""
    email = email.strip().lower()
    existing = repository.by_email(session, email)
    if existing is not None:
        hash_password(password)  # as long as a new account takes: the answer's timing tells nothing either
        if existing.email_confirmed_at is None:
            send_confirmation(session, existing, confirm_minutes)
        else:
            mail_outbox.tell_about_sign_up_attempt(session, existing)
        return None
    volunteer = create_account(
        session, display_name=display_name, email=email, password=password, language=language, confirmed=False
    )
    send_confirmation(session, volunteer, confirm_minutes)
    return volunteer


def create_account(
    session: Session, *, display_name: str, email: str, password: str, language: str = "nl", confirmed: bool = True
) -> Volunteer:
    """`confirmed`: made by an admin or the demo, whose address needs no link (a sign-up's does)."""
    now = datetime.now(UTC)
    volunteer = Volunteer(
        display_name=display_name.strip(),
        email=email,
        password_hash=hash_password(password),
        language=language,
        leaderboard_opt_out=False,
        created_at=now,
        email_confirmed_at=now if confirmed else None,
    )
    session.add(volunteer)
    session.flush()
    return volunteer


def ensure_volunteer(session: Session, *, display_name: str, email: str, password: str) -> Volunteer:
    """Idempotent for the demo and `streetcare admin`: an existing account gets the given password
    and counts as confirmed."""
    volunteer = repository.by_email(session, email)
    if volunteer is None:
        return create_account(session, display_name=display_name, email=email.strip().lower(), password=password)
    volunteer.password_hash = hash_password(password)
    if volunteer.email_confirmed_at is None:
        volunteer.email_confirmed_at = datetime.now(UTC)
    return volunteer


def send_confirmation(session: Session, volunteer: Volunteer, valid_minutes: int) -> str | None:
    """A new single-use link to confirm the address, by mail (earlier links keep working until they
    expire); None for an account that is confirmed or erased."""
    if volunteer.email is None or volunteer.deleted_at is not None or volunteer.email_confirmed_at is not None:
        return None
    token = _issue(session, EmailConfirmation, volunteer, valid_minutes)
    mail_outbox.ask_to_confirm(session, volunteer, token, valid_minutes)
    return token


def resend_confirmation(session: Session, email: str, valid_minutes: int) -> str | None:
    """Another link for an account that waits for confirmation; the caller never learns whether one does."""
    volunteer = repository.by_email(session, email)
    return send_confirmation(session, volunteer, valid_minutes) if volunteer is not None else None


UNUSABLE_CONFIRMATION = (
    "this confirmation link is unknown, used or expired: if you confirmed already, log in; otherwise ask for a new link"
)


def confirm_email(session: Session, token: str) -> Volunteer:
    """Following the link in the sign-up mail: the account may log in from now on. The link works once."""
    volunteer = _redeem(session, repository.confirmation_by_hash(session, _hash(token.strip())))
    if volunteer is None:
        raise Unprocessable(UNUSABLE_CONFIRMATION, code="confirmation_link_unusable", params={"field": "token"})
    if volunteer.email_confirmed_at is None:
        volunteer.email_confirmed_at = datetime.now(UTC)
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
        raise Forbidden(
            "the current password is not right", code="password_wrong", params={"field": "current_password"}
        )
    if current_password == new_password:
        raise Unprocessable(
            "choose a new password that differs from the current one",
            code="password_unchanged",
            params={"field": "new_password"},
        )
    volunteer.password_hash = hash_password(new_password)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(session: Session, kind: type[SingleUseToken], volunteer: Volunteer, valid_minutes: int) -> str:
    """A new single-use token of `kind` for the volunteer; the caller mails it, only its hash stays."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    issued = kind()
    issued.volunteer_id, issued.token_hash = volunteer.id, _hash(token)
    issued.created_at, issued.expires_at = now, now + timedelta(minutes=valid_minutes)
    session.add(issued)
    session.flush()
    return token


def _redeem(session: Session, stored: SingleUseToken | None) -> Volunteer | None:
    """The volunteer a token that is known, unused and unexpired belongs to (now used), else None."""
    now = datetime.now(UTC)
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        return None
    volunteer = repository.get(session, stored.volunteer_id)
    if volunteer is None or volunteer.deleted_at is not None:
        return None
    stored.used_at = now
    return volunteer


def request_reset(session: Session, email: str, valid_minutes: int = 60) -> str | None:
    """Mail a reset link when the account exists; the caller never learns whether it does."""
    volunteer = repository.by_email(session, email)
    if volunteer is None or volunteer.deleted_at is not None or volunteer.email is None:
        return None
    token = _issue(session, PasswordReset, volunteer, valid_minutes)
    mail_outbox.send_password_reset(session, volunteer, token, valid_minutes)
    return token


def confirm_reset(session: Session, token: str, new_password: str) -> Volunteer:
    volunteer = _redeem(session, repository.reset_by_hash(session, _hash(token.strip())))
    if volunteer is None:
        raise Unprocessable(
            "this reset link is unknown, used or expired; ask for a new one",
            code="reset_link_unusable",
            params={"field": "token"},
        )
    volunteer.password_hash = hash_password(new_password)
    return volunteer


def calendar_token(volunteer: Volunteer, rotate: bool = False) -> str:
    if volunteer.calendar_token is None or rotate:
        volunteer.calendar_token = secrets.token_urlsafe(32)
    return volunteer.calendar_token
