"""What the reports service publishes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import ReportFiled, ReportWithdrawn
from kernel.outbox import record_event
from services.reports.database import OutboxMessage
from services.reports.reports.models import Report

SOURCE = "reports"


def report_filed(session: Session, report: Report) -> None:
    record_event(
        session,
        OutboxMessage,
        SOURCE,
        "report.filed",
        ReportFiled(
            report_id=report.id,
            street_id=report.street_id,
            category=report.category,
            severity=report.severity,
            lat=report.lat,
            lon=report.lon,
            filed_at=report.created_at,
            duplicate_of=report.duplicate_of,
        ),
    )


def report_withdrawn(session: Session, report: Report, reason: str) -> None:
    record_event(
        session,
        OutboxMessage,
        SOURCE,
        "report.withdrawn",
        ReportWithdrawn(report_id=report.id, street_id=report.street_id, reason=reason[:500]),
    )
