from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from kernel.db import table_of
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


# Run with every pick logged: built once, as Core, their parameters bound per call (named apart
# from the columns, as an UPDATE's SET reserves those). A volunteer without teams binds an empty
# list (no team matches); a team pick without a volunteer binds None.
_ADOPTIONS = table_of(Adoption)
_OPEN = or_(*(_ADOPTIONS.c.status == status for status in OPEN_STATUSES))
_PLEDGES_OF = select(_ADOPTIONS.c.id).where(
    _ADOPTIONS.c.street_id.in_(bindparam("streets", expanding=True)),
    _OPEN,
    or_(
        _ADOPTIONS.c.team_id.in_(bindparam("teams", expanding=True)),
        _ADOPTIONS.c.volunteer_id == bindparam("volunteer"),
    ),
)
_RENEW_PLEDGES = (
    update(_ADOPTIONS)
    .where(
        _ADOPTIONS.c.id.in_(bindparam("adoptions", expanding=True)),
        _OPEN,  # still open when the pick is written
        or_(_ADOPTIONS.c.last_pick_at.is_(None), _ADOPTIONS.c.last_pick_at < bindparam("picked")),
    )
    .values(last_pick_at=bindparam("picked"))
)


def pledges_of(session: Session, street_ids: list[int], volunteer_id: int | None, team_ids: list[int]) -> list[int]:
    """The ids of the open adoptions of these streets held by the volunteer or one of their teams."""
    if volunteer_id is None and not team_ids:
        return []
    found = session.scalars(_PLEDGES_OF, {"streets": street_ids, "teams": team_ids, "volunteer": volunteer_id})
    return list(found)


def renew_pledges(session: Session, adoption_ids: list[int], picked_at: datetime) -> None:
    """These adoptions, if still open: last picked at `picked_at` unless a later pick is already
    known. One UPDATE, none when there are none; none of them is loaded."""
    if not adoption_ids:
        return
    session.execute(_RENEW_PLEDGES, {"adoptions": adoption_ids, "picked": picked_at})
    # an adoption this session already holds reads its pick time afresh
    for held in list(session.identity_map.values()):
        if isinstance(held, Adoption) and held.id in adoption_ids:
            session.expire(held, ["last_pick_at"])


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
