from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse

from kernel.auth import (
    CredentialCheck,
    InternalCaller,
    Principal,
    Role,
    VerifiedIdentity,
    require_internal_caller,
    require_roles,
)
from kernel.idempotency import idempotent
from kernel.service_app import SessionDep
from services.scheduling.idempotency.models import IdempotencyRecord
from services.scheduling.staff import service
from services.scheduling.staff.schemas import StaffCreate

# reached only with the service credential (ServiceCallerMiddleware) AND the credential of the
# gateway's login, which the gateway never forwards on a user's behalf
internal_router = APIRouter(
    prefix="/internal", tags=["internal"], dependencies=[Depends(require_internal_caller(InternalCaller.GATEWAY_LOGIN))]
)
router = APIRouter(prefix="/api/v1/scheduling", tags=["staff"])


@internal_router.post("/auth/verify", response_model=VerifiedIdentity)
def verify(body: CredentialCheck, session: SessionDep) -> VerifiedIdentity:
    account = service.verify_credentials(session, body.email, body.password)
    if account is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown email or wrong password")
    return VerifiedIdentity(subject=f"staff:{account.id}", role=account.role, name=account.name)


@router.post("/staff", status_code=201, response_model=VerifiedIdentity)
def create_staff(
    body: StaffCreate,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
) -> JSONResponse:
    def action() -> VerifiedIdentity:
        account = service.create_staff(
            session, email=body.email, name=body.name, role=Role(body.role), password=body.password
        )
        return VerifiedIdentity(subject=f"staff:{account.id}", role=account.role, name=account.name)

    fingerprint = body.model_dump(exclude={"password"})  # no password hash-alike stored with the answer
    return idempotent(request, session, IdempotencyRecord, principal.subject, fingerprint, action)
