from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kernel.db import table_of
from services.volunteers.teams.models import Team, TeamMember


def get(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)


def by_code(session: Session, code: str) -> Team | None:
    return session.scalar(select(Team).where(Team.join_code == code.strip()))


def by_name(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.name == name.strip()))


def membership(session: Session, team_id: int, volunteer_id: int) -> TeamMember | None:
    return session.get(TeamMember, (team_id, volunteer_id))


def members(session: Session, team_id: int) -> Sequence[TeamMember]:
    """The team's members, the longest-standing first."""
    return session.scalars(
        select(TeamMember).where(TeamMember.team_id == team_id).order_by(TeamMember.joined_at, TeamMember.volunteer_id)
    ).all()


def teams_of(session: Session, volunteer_id: int) -> Sequence[tuple[Team, TeamMember]]:
    return session.execute(
        select(Team, TeamMember)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.volunteer_id == volunteer_id)
        .order_by(Team.name)
    ).all()


def member_ids(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.volunteer_id).where(TeamMember.team_id == team_id)).all())


_MEMBERS = table_of(TeamMember)
_TEAM_IDS_OF = select(_MEMBERS.c.team_id).where(_MEMBERS.c.volunteer_id == bindparam("volunteer"))


def team_ids_of(session: Session, volunteer_id: int) -> list[int]:
    """Asked with every pick logged: a statement built once."""
    return list(session.scalars(_TEAM_IDS_OF, {"volunteer": volunteer_id}).all())


def memberships_of(session: Session, volunteer_id: int) -> Sequence[TeamMember]:
    return session.scalars(select(TeamMember).where(TeamMember.volunteer_id == volunteer_id)).all()


def teams_joined_by(session: Session, volunteer_id: int) -> Sequence[Team]:
    return session.scalars(
        select(Team).where(Team.id.in_(select(TeamMember.team_id).where(TeamMember.volunteer_id == volunteer_id)))
    ).all()
