from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.auth import Role, hash_password, verify_password
from kernel.errors import Conflict
from services.scheduling.staff import repository
from services.scheduling.staff.models import StaffAccount

STAFF_ROLES = (Role.DISPATCHER, Role.INSPECTOR, Role.ADMIN)


def create_staff(session: Session, *, email: str, name: str, role: Role, password: str) -> StaffAccount:
    if role not in STAFF_ROLES:
        raise ValueError(f"{role} is not a staff role")
    email = email.strip().lower()
    if repository.by_email(session, email) is not None:
        raise Conflict(f"a staff account for {email} already exists")
    account = StaffAccount(email=email, name=name, role=role.value, password_hash=hash_password(password))
    session.add(account)
    session.flush()
    return account


def ensure_staff(session: Session, *, email: str, name: str, role: Role, password: str) -> StaffAccount:
    """Idempotent for the demo: an existing account gets the given password."""
    account = repository.by_email(session, email)
    if account is None:
        return create_staff(session, email=email, name=name, role=role, password=password)
    account.password_hash = hash_password(password)
    account.role = role.value
    return account


def verify_credentials(session: Session, email: str, password: str) -> StaffAccount | None:
    account = repository.by_email(session, email)
    if not verify_password(account.password_hash if account and account.active else None, password):
        return None
    return account
