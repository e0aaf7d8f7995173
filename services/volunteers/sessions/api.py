from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from kernel.errors import NotFound
from kernel.responses import from_row
from kernel.street_copy import street_label
from services.volunteers.accounts import repository as accounts
from services.volunteers.accounts.dependencies import VolunteerDep
from services.volunteers.accounts.models import Volunteer
from services.volunteers.sessions import repository, service
from services.volunteers.sessions.models import CONFIRMED, WAITING, CleanupSession
from services.volunteers.sessions.schemas import (
    CancelOut,
    CapacityChange,
    SessionCreate,
    SessionOut,
    SessionStreet,
    SignupOut,
)
from services.volunteers.teams import repository as teams_repository
from services.volunteers.teams.models import COORDINATOR
from services.volunteers.web import SessionDep, idempotent, settings_of

router = APIRouter(prefix="/api/v1/volunteers", tags=["clean-up sessions"])


def session_out(session: Session, cleanup: CleanupSession, volunteer: Volunteer | None) -> SessionOut:
    team = teams_repository.get(session, cleanup.team_id)
    streets = []
    for street_id in repository.street_ids(session, cleanup.id):
        street = repository.street(session, street_id)
        streets.append(SessionStreet(id=street_id, name=street_label(street_id, street)))
    mine = repository.signup(session, cleanup.id, volunteer.id) if volunteer else None
    member = teams_repository.membership(session, cleanup.team_id, volunteer.id) if volunteer else None
    return from_row(
        SessionOut,
        cleanup,
        team_name=team.name if team else "",
        streets=streets,
        places_taken=repository.count(session, cleanup.id, CONFIRMED),
        waiting=repository.count(session, cleanup.id, WAITING),
        my_status=mine.status if mine else None,
        my_waiting_position=service.waiting_position(session, mine) if mine else None,
        can_manage=member is not None and member.role == COORDINATOR,
    )


@router.post("/sessions", status_code=201, response_model=SessionOut)
def plan_session(body: SessionCreate, request: Request, volunteer: VolunteerDep, session: SessionDep) -> JSONResponse:
    def action() -> SessionOut:
        cleanup = service.plan(session, volunteer.id, service.NewSession(**body.model_dump()))
        return session_out(session, cleanup, volunteer)

    return idempotent(request, session, f"volunteer:{volunteer.id}", body, action)


@router.get("/sessions", response_model=list[SessionOut])
def upcoming_sessions(volunteer: VolunteerDep, session: SessionDep) -> list[SessionOut]:
    return [session_out(session, c, volunteer) for c in repository.upcoming(session, datetime.now(UTC))]


@router.get("/sessions/{session_id}", response_model=SessionOut)
def get_session_detail(session_id: int, volunteer: VolunteerDep, session: SessionDep) -> SessionOut:
    return session_out(session, service.get_session_or_404(session, session_id), volunteer)


@router.post("/sessions/{session_id}/signups", status_code=201, response_model=SignupOut)
def sign_up(session_id: int, request: Request, volunteer: VolunteerDep, session: SessionDep) -> JSONResponse:
    def action() -> SignupOut:
        signup = service.sign_up(session, session_id, volunteer.id)
        return from_row(SignupOut, signup, waiting_position=service.waiting_position(session, signup))

    return idempotent(request, session, f"volunteer:{volunteer.id}", {"session_id": session_id}, action)


@router.delete("/sessions/{session_id}/signups/me", response_model=CancelOut)
def cancel_my_signup(session_id: int, volunteer: VolunteerDep, session: SessionDep) -> CancelOut:
    moved = service.cancel_signup(session, session_id, volunteer.id)
    return CancelOut(session_id=session_id, status="cancelled", moved_up=len(moved))


@router.post("/sessions/{session_id}/cancel", response_model=SessionOut)
def cancel_session(session_id: int, volunteer: VolunteerDep, session: SessionDep) -> SessionOut:
    return session_out(session, service.cancel_session(session, session_id, volunteer.id), volunteer)


@router.patch("/sessions/{session_id}", response_model=SessionOut)
def change_capacity(session_id: int, body: CapacityChange, volunteer: VolunteerDep, session: SessionDep) -> SessionOut:
    cleanup = service.change_capacity(session, session_id, volunteer.id, body.capacity)
    return session_out(session, cleanup, volunteer)


@router.get("/calendar/{token}.ics", include_in_schema=True)
def calendar_feed(token: str, request: Request, session: SessionDep) -> Response:
    """The private feed a phone calendar subscribes to: the unguessable token is the credential."""
    volunteer = accounts.by_calendar_token(session, token) if len(token) >= 20 else None
    if volunteer is None:
        raise NotFound(
            "this calendar link is unknown or was replaced; copy the new one from your page",
            code="calendar_link_unknown",
        )
    body = service.calendar(session, volunteer, settings_of(request).public_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="streetcare.ics"'},
    )
