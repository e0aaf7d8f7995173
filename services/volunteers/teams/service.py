"""Teams: anyone may start one and becomes its coordinator; others join with the team's code.

A coordinator manages only their own team: every check here is by membership in that team, never
by the role in the caller's token alone.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from kernel.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.volunteers.accounts import repository as accounts
from services.volunteers.accounts.models import Volunteer
from services.volunteers.teams import repository
from services.volunteers.teams.models import COORDINATOR, MEMBER, Team, TeamMember


def no_such_team(team_id: int) -> NotFound:
    """One answer for a team that does not exist and one the caller is not in: a stranger learns
    neither a team's name nor that it exists."""
    return NotFound(
        f"there is no team {team_id} that you are a member of; join a team with its code",
        code="team_unknown",
        params={"team": team_id},
    )


def get_team(session: Session, team_id: int) -> Team:
    team = repository.get(session, team_id)
    if team is None:
        raise no_such_team(team_id)
    return team


def create_team(session: Session, founder_id: int, name: str, description: str = "") -> Team:
    name = name.strip()
    if repository.by_name(session, name) is not None:
        raise Conflict(
            f"a team called {name!r} already exists; choose another name or ask for its code",
            code="team_name_taken",
            params={"name": name, "field": "name"},
        )
    team = Team(name=name, description=description.strip(), join_code=secrets.token_urlsafe(9))
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, volunteer_id=founder_id, role=COORDINATOR))
    session.flush()
    return team


def join(session: Session, volunteer_id: int, code: str) -> Team:
    team = repository.by_code(session, code)
    if team is None:
        raise NotFound(
            "no team has this code; check it with your coordinator", code="team_code_unknown", params={"field": "code"}
        )
    if repository.membership(session, team.id, volunteer_id) is None:
        session.add(TeamMember(team_id=team.id, volunteer_id=volunteer_id, role=MEMBER))
        session.flush()
    return team


def is_member(session: Session, team_id: int, volunteer_id: int) -> bool:
    return repository.membership(session, team_id, volunteer_id) is not None


def require_member(session: Session, team_id: int, volunteer_id: int) -> Team:
    team = get_team(session, team_id)
    if not is_member(session, team_id, volunteer_id):
        raise no_such_team(team_id)
    return team


def require_coordinator(session: Session, team_id: int, volunteer_id: int) -> Team:
    team = require_member(session, team_id, volunteer_id)
    member = repository.membership(session, team_id, volunteer_id)
    if member is None or member.role != COORDINATOR:
        raise Forbidden(
            "only this team's coordinator may do this", code="coordinator_only"
        )  # a member knows the team already
    return team


def members(session: Session, team_id: int) -> list[tuple[TeamMember, Volunteer]]:
    """The team's members with their accounts, the longest-standing first."""
    rows = repository.members(session, team_id)
    people = accounts.by_ids(session, {member.volunteer_id for member in rows})
    return [(member, people[member.volunteer_id]) for member in rows if member.volunteer_id in people]


def _hand_over_if_needed(session: Session, team_id: int) -> bool:
    """After someone left: make the longest-standing member coordinator. False when empty."""
    rows = repository.members(session, team_id)
    if not rows:
        return False
    if not any(member.role == COORDINATOR for member in rows):
        rows[0].role = COORDINATOR
    return True


def leave(session: Session, team_id: int, volunteer_id: int) -> bool:
    """Leave a team; returns False when the team is left without members."""
    member = repository.membership(session, team_id, volunteer_id)
    if member is None:
        raise NotFound("you are not in this team", code="not_in_team")
    session.delete(member)
    session.flush()
    return _hand_over_if_needed(session, team_id)


def remove_member(session: Session, team_id: int, coordinator_id: int, volunteer_id: int) -> None:
    require_coordinator(session, team_id, coordinator_id)
    if volunteer_id == coordinator_id:
        raise Unprocessable(
            "to leave your own team, use leave; hand over the coordinator role first if you like",
            code="remove_yourself",
        )
    member = repository.membership(session, team_id, volunteer_id)
    if member is None:
        raise NotFound("this volunteer is not in the team", code="member_unknown")
    session.delete(member)
    session.flush()


def hand_over(session: Session, team_id: int, coordinator_id: int, new_coordinator_id: int) -> None:
    require_coordinator(session, team_id, coordinator_id)
    target = repository.membership(session, team_id, new_coordinator_id)
    if target is None:
        raise NotFound("the new coordinator must be a member of the team", code="member_unknown")
    current = repository.membership(session, team_id, coordinator_id)
    assert current is not None
    current.role = MEMBER
    target.role = COORDINATOR


def leave_all(session: Session, volunteer_id: int) -> list[int]:
    """Leave every team (account deletion); returns the teams left without members."""
    emptied = []
    for team_id in repository.team_ids_of(session, volunteer_id):
        if not leave(session, team_id, volunteer_id):
            emptied.append(team_id)
    return emptied
