from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.volunteers.accounts.dependencies import VolunteerDep
from services.volunteers.impact import service
from services.volunteers.impact.schemas import ImpactOut, Leaderboard
from services.volunteers.teams import service as teams
from services.volunteers.web import SessionDep

router = APIRouter(prefix="/api/v1/volunteers", tags=["impact"])
Since = Annotated[datetime | None, Query(description="count picks from this moment on")]


@router.get("/impact/me", response_model=ImpactOut)
def my_impact(volunteer: VolunteerDep, session: SessionDep, since: Since = None) -> ImpactOut:
    return service.of_volunteer(session, volunteer.id, since)


@router.get("/impact/teams/{team_id}", response_model=ImpactOut)
def team_impact(team_id: int, volunteer: VolunteerDep, session: SessionDep, since: Since = None) -> ImpactOut:
    teams.require_member(session, team_id, volunteer.id)
    return service.of_team(session, team_id, since)


@router.get("/impact/streets/{street_id}", response_model=ImpactOut)
def street_impact(street_id: int, session: SessionDep, since: Since = None) -> ImpactOut:
    """Public: counts only. The street's level comes from GET /api/v1/scheduling/streets/{id}."""
    return service.of_street(session, street_id, since)


@router.get("/impact/districts/{district}", response_model=ImpactOut)
def district_impact(district: str, session: SessionDep, since: Since = None) -> ImpactOut:
    return service.of_district(session, district, since)


@router.get("/leaderboard", response_model=Leaderboard)
def leaderboard(
    session: SessionDep,
    district: Annotated[str, Query(min_length=1, max_length=100)],
    days: Annotated[int, Query(ge=1, le=366)] = 90,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Leaderboard:
    """Public and privacy-safe: display names and team names only; opted-out volunteers left out."""
    return service.leaderboard(session, district, days, limit)
