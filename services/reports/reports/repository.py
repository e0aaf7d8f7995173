from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reports.reports.models import Report, ReportHistory


def get(session: Session, report_id: int) -> Report | None:
    return session.get(Report, report_id)


def by_token(session: Session, token: str) -> Report | None:
    return session.scalar(select(Report).where(Report.tracking_token == token))


def history(session: Session, report_id: int) -> Sequence[ReportHistory]:
    return session.scalars(
        select(ReportHistory).where(ReportHistory.report_id == report_id).order_by(ReportHistory.at, ReportHistory.id)
    ).all()
