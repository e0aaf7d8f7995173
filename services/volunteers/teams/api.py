from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from kernel.responses import from_row
from services.volunteers.accounts.dependencies import VolunteerDep
from services.volunteers.accounts.models import Volunteer
from services.volunteers.teams import repository, service
from services.volunteers.teams.models import COORDINATOR, Team
from services.volunteers.teams.schemas import HandOver, MemberOut, TeamCreate, TeamJoin, TeamOut
from services.volunteers.web import SessionDep, idempotent

router = APIRouter(prefix="/api/v1/volunteers", tags=["teams"])


def team_out(session: Session, team: Team, volunteer: Volunteer) -> TeamOut:
    rows = service.members(session, team.id)
    mine = next((m.role for m, v in rows if v.id == volunteer.id), None)
    return from_row(
        TeamOut,
        team,
        my_role=mine,
        join_code=team.join_code if mine == COORDINATOR else None,
        members=[from_row(MemberOut, m, display_name=v.display_name) for m, v in rows] if mine else [],
    )


@router.post("/teams", status_code=201, response_model=TeamOut)
def create_team(body: TeamCreate, request: Request, volunteer: VolunteerDep, session: SessionDep) -> JSONResponse:
    def action() -> TeamOut:
        return team_out(session, service.create_team(session, volunteer.id, body.name, body.description), volunteer)

    return idempotent(request, session, f"volunteer:{volunteer.id}", body, action)


@router.post("/teams/join", response_model=TeamOut)
def join_team(body: TeamJoin, volunteer: VolunteerDep, session: SessionDep) -> TeamOut:
    return team_out(session, service.join(session, volunteer.id, body.code), volunteer)


@router.get("/teams", response_model=list[TeamOut])
def my_teams(volunteer: VolunteerDep, session: SessionDep) -> list[TeamOut]:
    return [team_out(session, team, volunteer) for team, _ in repository.teams_of(session, volunteer.id)]


@router.get("/teams/{team_id}", response_model=TeamOut)
def get_team(team_id: int, volunteer: VolunteerDep, session: SessionDep) -> TeamOut:
    return team_out(session, service.require_member(session, team_id, volunteer.id), volunteer)


@router.delete("/teams/{team_id}/members/{member_id}", status_code=204)
def remove_member(team_id: int, member_id: int, volunteer: VolunteerDep, session: SessionDep) -> Response:
    service.remove_member(session, team_id, volunteer.id, member_id)
    return Response(status_code=204)


@router.post("/teams/{team_id}/coordinator", response_model=TeamOut)
def hand_over(team_id: int, body: HandOver, volunteer: VolunteerDep, session: SessionDep) -> TeamOut:
    service.hand_over(session, team_id, volunteer.id, body.volunteer_id)
    return team_out(session, service.get_team(session, team_id), volunteer)
