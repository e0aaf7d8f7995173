from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from kernel.errors import NotFound
from kernel.responses import from_row
from services.volunteers.accounts.dependencies import VolunteerDep, VolunteerPrincipalDep, live_volunteer_id
from services.volunteers.picks import repository, service
from services.volunteers.picks.models import Pick
from services.volunteers.picks.schemas import PickCreate, PickOut, PickStreetOut
from services.volunteers.web import SessionDep, StreetIndexDep, idempotent

router = APIRouter(prefix="/api/v1/volunteers", tags=["picks"])


def pick_out(session: Session, pick: Pick) -> PickOut:
    return _out(pick, repository.street_labels(session, pick.id), repository.has_photo(session, pick.id))


def _out(pick: Pick, labels: dict[int, str], has_photo: bool) -> PickOut:
    streets = [PickStreetOut(id=street_id, name=labels[street_id]) for street_id in sorted(labels)]
    return from_row(PickOut, pick, streets=streets, has_photo=has_photo)


@router.post("/picks", status_code=201, response_model=PickOut)
def log_pick(
    body: PickCreate,
    request: Request,
    principal: VolunteerPrincipalDep,
    session: SessionDep,
    streets: StreetIndexDep,
) -> JSONResponse:
    volunteer_id = live_volunteer_id(session, principal)  # on this thread: the busiest route of the service

    def action() -> PickOut:
        logged = service.log_pick(session, streets, volunteer_id, service.NewPick(**body.model_dump()))
        return _out(logged.pick, logged.street_labels, logged.has_photo)

    return idempotent(request, session, f"volunteer:{volunteer_id}", body, action)


@router.get("/picks", response_model=list[PickOut])
def my_picks(
    volunteer: VolunteerDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[PickOut]:
    return [pick_out(session, p) for p in repository.of_volunteer(session, volunteer.id, limit)]


@router.get("/picks/{pick_id}/photo")
def pick_photo(pick_id: int, volunteer: VolunteerDep, session: SessionDep) -> Response:
    pick = repository.get(session, pick_id)
    photo = repository.photo(session, pick_id)
    if pick is None or photo is None or pick.volunteer_id != volunteer.id:
        raise NotFound("no such photo", code="photo_unknown")
    return Response(photo.data, media_type=photo.content_type, headers={"Cache-Control": "private, max-age=3600"})
