from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.scheduling.plans.models import PlanChange, PlanDirective, PlanEntry, PlanVersion, Visit


def latest_version(session: Session, day: date) -> PlanVersion | None:
    return session.scalar(
        select(PlanVersion).where(PlanVersion.plan_date == day).order_by(PlanVersion.version.desc()).limit(1)
    )


def version(session: Session, day: date, number: int) -> PlanVersion | None:
    return session.scalar(select(PlanVersion).where(PlanVersion.plan_date == day, PlanVersion.version == number))


def versions(session: Session, day: date) -> Sequence[PlanVersion]:
    return session.scalars(select(PlanVersion).where(PlanVersion.plan_date == day).order_by(PlanVersion.version)).all()


def cleaned_street_ids(session: Session, version_id: int) -> set[int]:
    """The streets a crew cleans on this version (bag and bulky-waste stops do not clean a street)."""
    return set(
        session.scalars(
            select(Visit.street_id)
            .join(PlanEntry, PlanEntry.visit_id == Visit.id)
            .where(PlanEntry.version_id == version_id, Visit.kind == "clean")
        )
    )


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


def last_version_numbers(session: Session, days: Sequence[date]) -> dict[date, int]:
    rows = session.execute(
        select(PlanVersion.plan_date, func.max(PlanVersion.version))
        .where(PlanVersion.plan_date.in_(list(days)))
        .group_by(PlanVersion.plan_date)
    ).all()
    return {day: int(number) for day, number in rows}


def visits_on_street(session: Session, street_id: int, limit: int) -> Sequence[Visit]:
    """A street's latest visits started or done, newest first."""
    return session.scalars(
        select(Visit)
        .where(Visit.street_id == street_id, Visit.status.in_(("started", "done")))
        .order_by(Visit.plan_date.desc(), Visit.id.desc())
        .limit(limit)
    ).all()


def directives(session: Session, day: date) -> Sequence[PlanDirective]:
    return session.scalars(select(PlanDirective).where(PlanDirective.plan_date == day).order_by(PlanDirective.id)).all()


def directive(session: Session, directive_id: int) -> PlanDirective | None:
    return session.get(PlanDirective, directive_id)


def directive_for(session: Session, day: date, candidate_id: str) -> PlanDirective | None:
    return session.scalar(
        select(PlanDirective).where(PlanDirective.plan_date == day, PlanDirective.candidate_id == candidate_id)
    )


def visit_on(session: Session, day: date, candidate_id: str) -> Visit | None:
    return session.scalar(select(Visit).where(Visit.plan_date == day, Visit.candidate_id == candidate_id))


def on_version(session: Session, version_id: int, visit_id: int) -> PlanEntry | None:
    return session.scalar(select(PlanEntry).where(PlanEntry.version_id == version_id, PlanEntry.visit_id == visit_id))
