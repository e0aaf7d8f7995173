"""Leaving, over HTTP: my data to download, erasing my account, leaving a team."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from services.volunteers.accounts.dependencies import VolunteerDep, end_sessions_of
from services.volunteers.leaving import service
from services.volunteers.web import SessionDep

router = APIRouter(prefix="/api/v1/volunteers", tags=["leaving"])


@router.get("/me/export")
def export_me(volunteer: VolunteerDep, session: SessionDep) -> JSONResponse:
    """Everything held about me (GDPR art. 15 and 20), as JSON to download."""
    return JSONResponse(
        jsonable_encoder(service.export_data(session, volunteer)),
        headers={"Content-Disposition": 'attachment; filename="streetcare-my-data.json"'},
    )


@router.delete("/me", status_code=204)
def delete_me(request: Request, volunteer: VolunteerDep, session: SessionDep) -> Response:
    """Erase my personal data. My picks stay, without my name, in the city's figures."""
    service.delete_account(session, volunteer)
    end_sessions_of(request, volunteer.id)
    return Response(status_code=204)


@router.post("/teams/{team_id}/leave", status_code=204)
def leave_team(team_id: int, volunteer: VolunteerDep, session: SessionDep) -> Response:
    service.leave_team(session, team_id, volunteer.id)
    return Response(status_code=204)
