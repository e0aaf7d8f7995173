from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from kernel.auth import Principal, Role, require_roles
from kernel.responses import from_row
from kernel.street_copy import street_label
from services.volunteers.accounts.dependencies import VolunteerDep
from services.volunteers.bags import repository, service
from services.volunteers.bags.models import BagRequest
from services.volunteers.bags.schemas import BagRequestCreate, BagRequestOut, WaitingBags, WaitingBagsList
from services.volunteers.web import SessionDep, StreetIndexDep, idempotent

router = APIRouter(prefix="/api/v1/volunteers", tags=["bag pick-up"])


def bag_out(session: Session, request: BagRequest) -> BagRequestOut:
    street = repository.street(session, request.street_id)
    return from_row(BagRequestOut, request, street_name=street_label(request.street_id, street))


@router.post("/bags", status_code=201, response_model=BagRequestOut)
def bags_ready(
    body: BagRequestCreate, request: Request, volunteer: VolunteerDep, session: SessionDep, index: StreetIndexDep
) -> JSONResponse:
    def action() -> BagRequestOut:
        created = service.request_pickup(
            session,
            index,
            volunteer.id,
            lat=body.lat,
            lon=body.lon,
            bags=body.bags,
            street_id=body.street_id,
            note=body.note,
        )
        return bag_out(session, created)

    return idempotent(request, session, f"volunteer:{volunteer.id}", body, action)


@router.get("/bags/waiting", response_model=WaitingBagsList)
def waiting_bags(
    session: SessionDep,
    _: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> WaitingBagsList:
    """For the dispatcher's work queue: bags still waiting for a crew, the longest waiting first,
    with how many there are in all (no volunteer's identity)."""
    rows = repository.waiting(session, limit)
    streets = {r.street_id: repository.street(session, r.street_id) for r in rows}
    return WaitingBagsList(
        total=repository.waiting_count(session),
        requests=[from_row(WaitingBags, r, street_name=street_label(r.street_id, streets[r.street_id])) for r in rows],
    )


@router.get("/bags", response_model=list[BagRequestOut])
def my_bag_requests(
    volunteer: VolunteerDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[BagRequestOut]:
    return [bag_out(session, r) for r in repository.of_volunteer(session, volunteer.id, limit)]
