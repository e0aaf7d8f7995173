from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy.orm import Session

from services.volunteers.accounts import repository, service
from services.volunteers.accounts.schemas import (
    CredentialCheck,
    Me,
    SignUp,
    VerifiedIdentity,
)
from streetcare.core.auth import Principal, Role, require_roles, require_service_caller
from streetcare.core.errors import NotFound
from streetcare.core.service_app import get_session

router = APIRouter(prefix="/api/v1/volunteers", tags=["accounts"])
internal_router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[Depends(require_service_caller)])
SessionDep = Annotated[Session, Depends(get_session)]
VolunteerDep = Annotated[Principal, Depends(require_roles(Role.VOLUNTEER, Role.COORDINATOR))]


def _me(volunteer_id: int, session: Session) -> Me:
    volunteer = repository.get(session, volunteer_id)
    if volunteer is None or volunteer.deleted_at is not None:
        raise NotFound("this account no longer exists")
    return Me(
        id=volunteer.id,
        display_name=volunteer.display_name,
        email=volunteer.email,
        language=volunteer.language,
        created_at=volunteer.created_at,
    )


@router.post("/signup", status_code=201, response_model=Me)
def sign_up(body: SignUp, session: SessionDep) -> Me:
    volunteer = service.sign_up(
        session, display_name=body.display_name, email=body.email, password=body.password, language=body.language
    )
    return _me(volunteer.id, session)


@router.get("/me", response_model=Me)
def me(principal: VolunteerDep, session: SessionDep) -> Me:
    return _me(principal.account_id, session)


@internal_router.post("/auth/verify", response_model=VerifiedIdentity)
def verify(body: CredentialCheck, session: SessionDep) -> VerifiedIdentity:
    volunteer = service.verify_credentials(session, body.email, body.password)
    if volunteer is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown email or wrong password")
    return VerifiedIdentity(subject=f"volunteer:{volunteer.id}", role=volunteer.role, name=volunteer.display_name)
