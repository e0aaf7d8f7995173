from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.scheduling.plans.models import PlanChange, PlanEntry, PlanVersion, Visit
from services.scheduling.state.models import (
    BagPickup,
    PlannedCleanup,
    StreetAdoption,
    StreetPick,
    StreetReport,
    StreetState,
)


def latest_version(session: Session, day: date) -> PlanVersion | None:
    return session.scalar(
        select(PlanVersion).where(PlanVersion.plan_date == day).order_by(PlanVersion.version.desc()).limit(1)
    )


def version(session: Session, day: date, number: int) -> PlanVersion | None:
    return session.scalar(select(PlanVersion).where(PlanVersion.plan_date == day, PlanVersion.version == number))


def versions(session: Session, day: date) -> Sequence[PlanVersion]:
    return session.scalars(select(PlanVersion).where(PlanVersion.plan_date == day).order_by(PlanVersion.version)).all()


def entries(session: Session, version_id: int) -> list[tuple[PlanEntry, Visit]]:
    rows = session.execute(
        select(PlanEntry, Visit)
        .join(Visit, Visit.id == PlanEntry.visit_id)
        .where(PlanEntry.version_id == version_id)
        .order_by(PlanEntry.crew_id, PlanEntry.position)
    ).all()
    return [(entry, visit) for entry, visit in rows]


def changes(session: Session, version_id: int) -> Sequence[PlanChange]:
    return session.scalars(select(PlanChange).where(PlanChange.version_id == version_id).order_by(PlanChange.id)).all()


def visit(session: Session, visit_id: int) -> Visit | None:
    return session.get(Visit, visit_id)


def visits_by_candidate(session: Session, day: date) -> dict[str, Visit]:
    return {v.candidate_id: v for v in session.scalars(select(Visit).where(Visit.plan_date == day))}


def states(session: Session) -> dict[int, StreetState]:
    return {s.street_id: s for s in session.scalars(select(StreetState))}


def adoptions(session: Session) -> Sequence[StreetAdoption]:
    return session.scalars(select(StreetAdoption)).all()


def pick_times_since(session: Session, since: datetime) -> Sequence[tuple[int, datetime]]:
    """(street id, picked at) of every logged pick since ``since``: adopters' rhythms are learnt from them."""
    rows = session.execute(
        select(StreetPick.street_id, StreetPick.picked_at).where(StreetPick.picked_at >= since)
    ).all()
    return [(street_id, picked_at) for street_id, picked_at in rows]


def reports_since(session: Session, since: datetime) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(StreetReport.filed_at >= since, StreetReport.duplicate_of.is_(None))
    ).all()


def open_bulky_reports(session: Session, category: str) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(
            StreetReport.category == category, StreetReport.status == "open", StreetReport.duplicate_of.is_(None)
        )
    ).all()


def waiting_bags(session: Session) -> Sequence[BagPickup]:
    return session.scalars(select(BagPickup).where(BagPickup.collected_at.is_(None))).all()


def cleanups_between(session: Session, start: datetime, end: datetime) -> Sequence[PlannedCleanup]:
    return session.scalars(
        select(PlannedCleanup).where(
            PlannedCleanup.status == "planned", PlannedCleanup.starts_at >= start, PlannedCleanup.starts_at < end
        )
    ).all()


def open_reports_on(session: Session, street_id: int, exclude_category: str) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(
            StreetReport.street_id == street_id,
            StreetReport.status == "open",
            StreetReport.category != exclude_category,
        )
    ).all()


def last_version_numbers(session: Session, days: Sequence[date]) -> dict[date, int]:
    rows = session.execute(
        select(PlanVersion.plan_date, func.max(PlanVersion.version))
        .where(PlanVersion.plan_date.in_(list(days)))
        .group_by(PlanVersion.plan_date)
    ).all()
    return {day: int(number) for day, number in rows}
