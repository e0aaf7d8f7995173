from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from kernel.responses import from_row
from kernel.street_copy import street_label
from services.volunteers.accounts.dependencies import VolunteerDep
from services.volunteers.accounts.models import Volunteer
from services.volunteers.adoptions import repository, service
from services.volunteers.adoptions.models import ACTIVE, RHYTHM_DAYS, Adoption
from services.volunteers.adoptions.schemas import (
    AdoptionCreate,
    AdoptionOut,
    AdoptionPause,
    AdoptionUpdate,
    TeamStreet,
)
from services.volunteers.teams import repository as teams_repository
from services.volunteers.teams import service as teams_service
from services.volunteers.teams.models import COORDINATOR
from services.volunteers.web import SessionDep, idempotent

router = APIRouter(prefix="/api/v1/volunteers", tags=["adoptions"])


def next_pick_due(adoption: Adoption) -> datetime | None:
    """When the adopters' next pick is due on their rhythm (none unless the adoption is active)."""
    if adoption.status != ACTIVE:
        return None
    return service.silence_since(adoption) + timedelta(days=RHYTHM_DAYS[adoption.rhythm])


def adoption_out(session: Session, adoption: Adoption, volunteer: Volunteer) -> AdoptionOut:
    street = repository.street(session, adoption.street_id)
    team = teams_repository.get(session, adoption.team_id) if adoption.team_id else None
    if team is not None:
        member = teams_repository.membership(session, team.id, volunteer.id)
        can_manage = member is not None and member.role == COORDINATOR
    else:
        can_manage = adoption.volunteer_id == volunteer.id
    return from_row(
        AdoptionOut,
        adoption,
        street_name=street_label(adoption.street_id, street),
        district=street.district if street else "",
        team_name=team.name if team else None,
        next_pick_due=next_pick_due(adoption),
        can_manage=can_manage,
    )


@router.get("/teams/{team_id}/streets", response_model=list[TeamStreet])
def team_streets(team_id: int, volunteer: VolunteerDep, session: SessionDep) -> list[TeamStreet]:
    """For the team's members: the streets adopted in the team's name, then those its members adopted
    themselves, with how the picking goes (404 for anyone outside the team)."""
    team = teams_service.require_member(session, team_id, volunteer.id)
    names = {v.id: v.display_name for _m, v in teams_service.members(session, team_id)}
    result = []
    for adoption in repository.of_team_and_members(session, team_id, list(names)):
        street = repository.street(session, adoption.street_id)
        result.append(
            TeamStreet(
                street_id=adoption.street_id,
                street_name=street_label(adoption.street_id, street),
                district=street.district if street else "",
                lat=street.centroid_lat if street else 0.0,
                lon=street.centroid_lon if street else 0.0,
                by_team=adoption.team_id == team_id,
                adopter=team.name if adoption.team_id == team_id else names.get(adoption.volunteer_id or 0, ""),
                rhythm=adoption.rhythm,
                status=adoption.status,
                last_pick_at=adoption.last_pick_at,
                next_pick_due=next_pick_due(adoption),
            )
        )
    return result


@router.post("/adoptions", status_code=201, response_model=AdoptionOut)
def adopt(body: AdoptionCreate, request: Request, volunteer: VolunteerDep, session: SessionDep) -> JSONResponse:
    def action() -> AdoptionOut:
        adoption = service.adopt(session, volunteer.id, body.street_id, body.rhythm, body.team_id)
        return adoption_out(session, adoption, volunteer)

    return idempotent(request, session, f"volunteer:{volunteer.id}", body, action)


@router.get("/adoptions", response_model=list[AdoptionOut])
def my_adoptions(volunteer: VolunteerDep, session: SessionDep, include_ended: bool = False) -> list[AdoptionOut]:
    team_ids = teams_repository.team_ids_of(session, volunteer.id)
    return [
        adoption_out(session, a, volunteer)
        for a in repository.of_volunteer(session, volunteer.id, team_ids, include_ended)
    ]


@router.post("/adoptions/{adoption_id}/pause", response_model=AdoptionOut)
def pause(adoption_id: int, body: AdoptionPause, volunteer: VolunteerDep, session: SessionDep) -> AdoptionOut:
    adoption = service.pause(session, service.get_managed(session, adoption_id, volunteer.id), body.until)
    return adoption_out(session, adoption, volunteer)


@router.post("/adoptions/{adoption_id}/resume", response_model=AdoptionOut)
def resume(adoption_id: int, volunteer: VolunteerDep, session: SessionDep) -> AdoptionOut:
    adoption = service.resume(session, service.get_managed(session, adoption_id, volunteer.id))
    return adoption_out(session, adoption, volunteer)


@router.post("/adoptions/{adoption_id}/end", response_model=AdoptionOut)
def end(adoption_id: int, volunteer: VolunteerDep, session: SessionDep) -> AdoptionOut:
    adoption = service.end(session, service.get_managed(session, adoption_id, volunteer.id))
    return adoption_out(session, adoption, volunteer)


@router.patch("/adoptions/{adoption_id}", response_model=AdoptionOut)
def update(adoption_id: int, body: AdoptionUpdate, volunteer: VolunteerDep, session: SessionDep) -> AdoptionOut:
    adoption = service.change_rhythm(session, service.get_managed(session, adoption_id, volunteer.id), body.rhythm)
    return adoption_out(session, adoption, volunteer)
