"""The caller as a volunteer, for every API module of this service: the account behind the token,
and ending every session of an account (a new password, an erased account)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kernel.auth import (
    Principal,
    Role,
    SessionStoreUnavailable,
    end_all_sessions,
    require_roles,
    session_store_unavailable,
)
from kernel.errors import Forbidden, NotFound
from kernel.service_app import SessionDep, get_runtime
from services.volunteers.accounts import repository
from services.volunteers.accounts.models import Volunteer
from services.volunteers.web import settings_of

PrincipalDep = Annotated[Principal, Depends(require_roles(Role.VOLUNTEER, Role.COORDINATOR))]


def _volunteer_account_id(principal: Principal) -> int:
    if not principal.subject.startswith("volunteer:"):
        raise Forbidden(
            "this needs a volunteer account; staff accounts have no volunteer profile", code="not_a_volunteer"
        )
    return principal.account_id


def _account_gone() -> NotFound:
    return NotFound("this account no longer exists", code="account_gone")


def volunteer_of(session: Session, principal: Principal) -> Volunteer:
    """The caller's account; a token of a deleted account (or of staff) is no volunteer."""
    volunteer = repository.get(session, _volunteer_account_id(principal))
    if volunteer is None or volunteer.deleted_at is not None:
        raise _account_gone()
    return volunteer


async def volunteer_principal(principal: PrincipalDep) -> Principal:
    """A volunteer's token, checked on the event loop before the body is read: staff are refused
    403 whatever they sent. The account itself is asked by `live_volunteer_id` on the route's thread."""
    _volunteer_account_id(principal)
    return principal


VolunteerPrincipalDep = Annotated[Principal, Depends(volunteer_principal)]


def live_volunteer_id(session: Session, principal: Principal) -> int:
    """`volunteer_of` for a route that needs only the id, called on the route's own thread: the
    hot paths (a pick) skip loading the account and a thread hop for a dependency of its own."""
    volunteer_id = _volunteer_account_id(principal)
    if not repository.is_live(session, volunteer_id):
        raise _account_gone()
    return volunteer_id


def current_volunteer(principal: PrincipalDep, session: SessionDep) -> Volunteer:
    return volunteer_of(session, principal)


VolunteerDep = Annotated[Volunteer, Depends(current_volunteer)]


def end_sessions_of(request: Request, volunteer_id: int) -> None:
    """Before the change commits: if Redis cannot store the cut-off, the change is not made (503)."""
    try:
        end_all_sessions(
            get_runtime(request).redis, f"volunteer:{volunteer_id}", settings_of(request).token_ttl_seconds
        )
    except SessionStoreUnavailable:
        raise session_store_unavailable() from None
