from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.scheduling.history.models import EstimateSnapshot, StreetInspection
from services.scheduling.plans.models import Visit
from services.scheduling.state.models import StreetPick, StreetReport


def snapshots(session: Session, street_id: int, limit: int) -> Sequence[EstimateSnapshot]:
    rows = session.scalars(
        select(EstimateSnapshot)
        .where(EstimateSnapshot.street_id == street_id)
        .order_by(EstimateSnapshot.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def reports(session: Session, street_id: int, limit: int) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport)
        .where(StreetReport.street_id == street_id)
        .order_by(StreetReport.filed_at.desc())
        .limit(limit)
    ).all()


def picks(session: Session, street_id: int, limit: int) -> Sequence[StreetPick]:
    return session.scalars(
        select(StreetPick).where(StreetPick.street_id == street_id).order_by(StreetPick.picked_at.desc()).limit(limit)
    ).all()


def inspections(session: Session, street_id: int, limit: int) -> Sequence[StreetInspection]:
    return session.scalars(
        select(StreetInspection)
        .where(StreetInspection.street_id == street_id)
        .order_by(StreetInspection.inspected_at.desc())
        .limit(limit)
    ).all()


def visits(session: Session, street_id: int, limit: int) -> Sequence[Visit]:
    return session.scalars(
        select(Visit)
        .where(Visit.street_id == street_id, Visit.status.in_(("started", "done")))
        .order_by(Visit.plan_date.desc(), Visit.id.desc())
        .limit(limit)
    ).all()
