from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.scheduling.state.models import (
    StreetAdoption,
    StreetPick,
    StreetReport,
    StreetState,
)

OPEN = "open"
COVERING_STATUSES = ("active",)


def state_for(session: Session, street_id: int) -> StreetState | None:
    return session.get(StreetState, street_id)


def report(session: Session, report_id: int) -> StreetReport | None:
    return session.get(StreetReport, report_id)


def open_report_count(session: Session, street_id: int) -> int:
    return int(
        session.scalar(select(func.count()).where(StreetReport.street_id == street_id, StreetReport.status == OPEN))
        or 0
    )


def open_reports(session: Session, street_id: int) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(StreetReport.street_id == street_id, StreetReport.status == OPEN)
    ).all()


def adoption(session: Session, adoption_id: int) -> StreetAdoption | None:
    return session.get(StreetAdoption, adoption_id)


def adoptions_for(session: Session, street_id: int) -> Sequence[StreetAdoption]:
    return session.scalars(select(StreetAdoption).where(StreetAdoption.street_id == street_id)).all()


def active_adopter_count(session: Session, street_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                StreetAdoption.street_id == street_id, StreetAdoption.status.in_(COVERING_STATUSES)
            )
        )
        or 0
    )


def pick_exists(session: Session, pick_id: int, street_id: int) -> bool:
    return session.get(StreetPick, (pick_id, street_id)) is not None


def last_pick_at(session: Session, street_id: int) -> datetime | None:
    return session.scalar(select(func.max(StreetPick.picked_at)).where(StreetPick.street_id == street_id))
