from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.volunteers.accounts.models import EmailConfirmation, PasswordReset, Volunteer


def by_email(session: Session, email: str) -> Volunteer | None:
    return session.scalar(select(Volunteer).where(Volunteer.email == email.strip().lower()))


def get(session: Session, volunteer_id: int) -> Volunteer | None:
    return session.get(Volunteer, volunteer_id)


def is_live(session: Session, volunteer_id: int) -> bool:
    """The account exists and is not erased: its id alone, no row loaded."""
    found = session.execute(
        select(Volunteer.id).where(Volunteer.id == volunteer_id, Volunteer.deleted_at.is_(None))
    ).first()
    return found is not None


def by_ids(session: Session, ids: set[int]) -> dict[int, Volunteer]:
    """The volunteers with these ids (deleted accounts too), by id."""
    if not ids:
        return {}
    return {v.id: v for v in session.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))}


def present_by_ids(session: Session, ids: set[int]) -> Sequence[Volunteer]:
    """The volunteers with these ids whose account is not deleted."""
    return session.scalars(select(Volunteer).where(Volunteer.id.in_(ids), Volunteer.deleted_at.is_(None))).all()


def by_calendar_token(session: Session, token: str) -> Volunteer | None:
    return session.scalar(select(Volunteer).where(Volunteer.calendar_token == token, Volunteer.deleted_at.is_(None)))


def reset_by_hash(session: Session, token_hash: str) -> PasswordReset | None:
    return session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash))


def forget_resets(session: Session, volunteer_id: int) -> None:
    session.execute(delete(PasswordReset).where(PasswordReset.volunteer_id == volunteer_id))


def confirmation_by_hash(session: Session, token_hash: str) -> EmailConfirmation | None:
    return session.scalar(select(EmailConfirmation).where(EmailConfirmation.token_hash == token_hash))


def forget_confirmations(session: Session, volunteer_id: int) -> None:
    session.execute(delete(EmailConfirmation).where(EmailConfirmation.volunteer_id == volunteer_id))


def resets_of(session: Session, volunteer_id: int) -> Sequence[PasswordReset]:
    return session.scalars(select(PasswordReset).where(PasswordReset.volunteer_id == volunteer_id)).all()


def confirmations_of(session: Session, volunteer_id: int) -> Sequence[EmailConfirmation]:
    return session.scalars(select(EmailConfirmation).where(EmailConfirmation.volunteer_id == volunteer_id)).all()
