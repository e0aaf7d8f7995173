from __future__ import annotations

from sqlalchemy.orm import Session

from services.volunteers.accounts import repository
from services.volunteers.accounts.models import Volunteer
from streetcare.core.auth import hash_password, verify_password
from streetcare.core.errors import Conflict


def sign_up(session: Session, *, display_name: str, email: str, password: str, language: str = "nl") -> Volunteer:
    email = email.strip().lower()
    if repository.by_email(session, email) is not None:
        raise Conflict("an account with this email already exists; log in or reset your password")
    volunteer = Volunteer(
        display_name=display_name.strip(), email=email, password_hash=hash_password(password), language=language
    )
    session.add(volunteer)
    session.flush()
    return volunteer


def ensure_volunteer(session: Session, *, display_name: str, email: str, password: str) -> Volunteer:
    """Idempotent for the demo: an existing account gets the given password."""
    volunteer = repository.by_email(session, email)
    if volunteer is None:
        return sign_up(session, display_name=display_name, email=email, password=password)
    volunteer.password_hash = hash_password(password)
    return volunteer


def verify_credentials(session: Session, email: str, password: str) -> Volunteer | None:
    volunteer = repository.by_email(session, email)
    usable = volunteer is not None and volunteer.deleted_at is None
    if not verify_password(volunteer.password_hash if usable and volunteer else None, password):
        return None
    return volunteer
