from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from kernel.street_copy import StreetCopyMixin
from services.volunteers.adoptions.models import ACTIVE, OPEN_STATUSES, PAUSED, Adoption
from services.volunteers.database import StreetCopy


def get(session: Session, adoption_id: int) -> Adoption | None:
    return session.get(Adoption, adoption_id)


def open_for(session: Session, street_id: int, volunteer_id: int | None, team_id: int | None) -> Adoption | None:
    query = select(Adoption).where(Adoption.street_id == street_id, Adoption.status.in_(OPEN_STATUSES))
    if team_id is not None:
        query = query.where(Adoption.team_id == team_id)
    else:
        query = query.where(Adoption.volunteer_id == volunteer_id, Adoption.team_id.is_(None))
    return session.scalar(query)


def of_volunteer(session: Session, volunteer_id: int, team_ids: list[int], include_ended: bool) -> Sequence[Adoption]:
    owner = or_(Adoption.volunteer_id == volunteer_id, Adoption.team_id.in_(team_ids))
    query = select(Adoption).where(owner)
    if not include_ended:
        query = query.where(Adoption.status.in_(OPEN_STATUSES))
    return session.scalars(query.order_by(Adoption.created_at.desc(), Adoption.id.desc())).all()


def of_team_and_members(session: Session, team_id: int, member_ids: Sequence[int]) -> Sequence[Adoption]:
    """The open adoptions in the team's name and those its members made themselves."""
    mine = Adoption.volunteer_id.in_(list(member_ids)) & Adoption.team_id.is_(None)
    return session.scalars(
        select(Adoption)
        .where(or_(Adoption.team_id == team_id, mine), Adoption.status.in_(OPEN_STATUSES))
        .order_by(Adoption.team_id.is_(None), Adoption.started_on, Adoption.id)
    ).all()


def visible_on_street(session: Session, street_id: int) -> Sequence[Adoption]:
    return session.scalars(
        select(Adoption)
        .where(Adoption.street_id == street_id, Adoption.status.in_((ACTIVE, PAUSED)))
        .order_by(Adoption.started_on, Adoption.id)
    ).all()


def open_of_volunteer_only(session: Session, volunteer_id: int) -> Sequence[Adoption]:
    return session.scalars(
        select(Adoption).where(
            Adoption.volunteer_id == volunteer_id, Adoption.team_id.is_(None), Adoption.status.in_(OPEN_STATUSES)
        )
    ).all()


def open_of_team(session: Session, team_id: int) -> Sequence[Adoption]:
    return session.scalars(
        select(Adoption).where(Adoption.team_id == team_id, Adoption.status.in_(OPEN_STATUSES))
    ).all()


def renew_pledges(
    session: Session, street_ids: list[int], volunteer_id: int | None, team_ids: list[int], picked_at: datetime
) -> None:
    """The open adoptions of these streets held by the volunteer or one of their teams: last picked
    at `picked_at` unless a later pick is already known. One UPDATE; none of them is loaded."""
    owner: list[ColumnElement[bool]] = [Adoption.team_id.in_(team_ids)] if team_ids else []
    if volunteer_id is not None:
        owner.append(Adoption.volunteer_id == volunteer_id)
    if not owner:
        return
    session.execute(
        update(Adoption)
        .where(
            Adoption.street_id.in_(street_ids),
            Adoption.status.in_(OPEN_STATUSES),
            or_(*owner),
            or_(Adoption.last_pick_at.is_(None), Adoption.last_pick_at < picked_at),
        )
        .values(last_pick_at=picked_at),
        execution_options={"synchronize_session": "fetch"},  # adoptions this session holds see it too
    )


def in_statuses(session: Session, statuses: tuple[str, ...]) -> Sequence[Adoption]:
    return session.scalars(select(Adoption).where(Adoption.status.in_(statuses)).order_by(Adoption.id)).all()


def involving(session: Session, volunteer_id: int) -> Sequence[Adoption]:
    """Every adoption the volunteer holds or made, open or ended (not their teams')."""
    return session.scalars(
        select(Adoption).where(or_(Adoption.volunteer_id == volunteer_id, Adoption.adopted_by == volunteer_id))
    ).all()


def street(session: Session, street_id: int) -> StreetCopyMixin | None:
    """The street in the service's read copy of the registry (None before it arrives)."""
    return session.get(StreetCopy, street_id)
