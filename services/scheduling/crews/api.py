from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from kernel.auth import Principal, Role, require_roles
from kernel.idempotency import idempotent
from kernel.service_app import SessionDep
from services.scheduling.crews import repository, service
from services.scheduling.crews.schemas import AbsenceIn, AbsenceOut, CrewIn, CrewOut, CrewPatch
from services.scheduling.idempotency.models import IdempotencyRecord

router = APIRouter(prefix="/api/v1/scheduling", tags=["crews"])
Dispatcher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]


def _out(session: Session, crew_id: int) -> CrewOut:
    return service.describe(session, service.get(session, crew_id))


@router.get("/crews", response_model=list[CrewOut])
def list_crews(session: SessionDep, _: Dispatcher, include_inactive: bool = False) -> list[CrewOut]:
    return [
        service.describe(session, crew) for crew in repository.all_crews(session, include_inactive=include_inactive)
    ]


@router.post("/crews", response_model=CrewOut, status_code=201)
def create_crew(body: CrewIn, request: Request, session: SessionDep, principal: Dispatcher) -> JSONResponse:
    def action() -> CrewOut:
        return _out(session, service.create(session, body.model_dump(mode="json")).id)

    return idempotent(request, session, IdempotencyRecord, principal.subject, body, action)


@router.get("/crews/{crew_id}", response_model=CrewOut)
def get_crew(crew_id: int, session: SessionDep, _: Dispatcher) -> CrewOut:
    return _out(session, crew_id)


@router.put("/crews/{crew_id}", response_model=CrewOut)
def replace_crew(crew_id: int, body: CrewIn, session: SessionDep, _: Dispatcher) -> CrewOut:
    service.update(session, crew_id, body.model_dump(mode="json"))
    return _out(session, crew_id)


@router.patch("/crews/{crew_id}", response_model=CrewOut)
def patch_crew(crew_id: int, body: CrewPatch, session: SessionDep, _: Dispatcher) -> CrewOut:
    service.update(session, crew_id, body.model_dump(mode="json", exclude_unset=True))
    return _out(session, crew_id)


@router.delete("/crews/{crew_id}", status_code=204)
def delete_crew(crew_id: int, session: SessionDep, _: Dispatcher) -> Response:
    service.delete(session, crew_id)
    return Response(status_code=204)


@router.post("/crews/{crew_id}/absences", response_model=AbsenceOut, status_code=201)
def add_absence(
    crew_id: int, body: AbsenceIn, request: Request, session: SessionDep, principal: Dispatcher
) -> JSONResponse:
    def action() -> AbsenceOut:
        return AbsenceOut.model_validate(service.add_absence(session, crew_id, body.day, body.reason))

    return idempotent(request, session, IdempotencyRecord, principal.subject, body, action)


@router.delete("/crews/{crew_id}/absences/{day}", status_code=204)
def remove_absence(crew_id: int, day: date, session: SessionDep, _: Dispatcher) -> Response:
    service.remove_absence(session, crew_id, day)
    return Response(status_code=204)
