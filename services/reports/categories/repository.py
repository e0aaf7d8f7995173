"""Every query of the categories domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from services.reports.categories.models import ReportCategory

# the reports domain's table, read (never written) to tell whether a category is in use
_REPORTS = table("reports", column("category"))


def all_rows(session: Session, include_retired: bool) -> Sequence[ReportCategory]:
    statement = select(ReportCategory).order_by(ReportCategory.position, ReportCategory.code)
    if not include_retired:
        statement = statement.where(ReportCategory.retired_at.is_(None))
    return session.scalars(statement).all()


def get(session: Session, code: str) -> ReportCategory | None:
    return session.get(ReportCategory, code)


def next_position(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(ReportCategory.position), 0))) or 0) + 1


def reports_using(session: Session, code: str) -> int:
    return int(session.scalar(select(func.count()).select_from(_REPORTS).where(_REPORTS.c.category == code)) or 0)


def add(session: Session, row: ReportCategory) -> None:
    session.add(row)


def delete(session: Session, row: ReportCategory) -> None:
    session.delete(row)
