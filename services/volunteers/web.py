"""What every volunteers API module shares: the session, the caller, idempotency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from services.volunteers.accounts.models import Volunteer
from services.volunteers.database import StreetCopy
from services.volunteers.idempotency.models import IdempotencyRecord
from streetcare.core.auth import Principal, Role, require_roles
from streetcare.core.errors import Forbidden, NotFound
from streetcare.core.idempotency import idempotent as core_idempotent
from streetcare.core.service_app import SessionDep, get_runtime
from streetcare.core.street_copy import StreetIndexCache

__all__ = [
    "PrincipalDep",
    "SessionDep",  # the kernel's, shared here so an API module imports what it needs from one place
    "StreetIndexDep",
    "VolunteerDep",
    "current_volunteer",
    "idempotent",
    "street_index",
    "volunteer_of",
]

PrincipalDep = Annotated[Principal, Depends(require_roles(Role.VOLUNTEER, Role.COORDINATOR))]


def volunteer_of(session: Session, principal: Principal) -> Volunteer:
    """The caller's account; a token of a deleted account (or of staff) is no volunteer."""
    if not principal.subject.startswith("volunteer:"):
        raise Forbidden("this needs a volunteer account; staff accounts have no volunteer profile")
    volunteer = session.get(Volunteer, principal.account_id)
    if volunteer is None or volunteer.deleted_at is not None:
        raise NotFound("this account no longer exists")
    return volunteer


def current_volunteer(principal: PrincipalDep, session: SessionDep) -> Volunteer:
    return volunteer_of(session, principal)


VolunteerDep = Annotated[Volunteer, Depends(current_volunteer)]


def street_index(request: Request) -> StreetIndexCache:
    runtime = get_runtime(request)
    cache = runtime.extras.get("street_index")
    if cache is None:
        cache = runtime.extras["street_index"] = StreetIndexCache(StreetCopy)
    return cache


StreetIndexDep = Annotated[StreetIndexCache, Depends(street_index)]


def idempotent(
    request: Request,
    session: Session,
    scope: str,
    fingerprint: BaseModel | dict[str, Any] | None,
    action: Callable[[], Any],
    status_code: int = 201,
) -> JSONResponse:
    """Run `action` once per Idempotency-Key: a repeated key gets the first answer back."""
    return core_idempotent(request, session, IdempotencyRecord, scope, fingerprint, action, status_code)
