"""Filing and following reports: snapping, duplicates, due dates, the append-only history."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reports.database import StreetCopy
from services.reports.reports import events
from services.reports.reports.categories import CATEGORIES
from services.reports.reports.lifecycle import OPEN_STATUSES, can_move
from services.reports.reports.models import Report, ReportHistory
from streetcare.core.errors import Conflict, NotFound, Unprocessable
from streetcare.core.geo import haversine_m
from streetcare.core.street_copy import StreetIndexCache


@dataclass(frozen=True)
class NewReport:
    category: str
    lat: float
    lon: float
    description: str = ""
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    source: str = "web"


@dataclass(frozen=True)
class ReportPolicy:
    snap_distance_m: float
    duplicate_radius_m: float
    duplicate_window: timedelta


def add_working_days(start: datetime, days: int) -> datetime:
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def _find_duplicate(
    session: Session, new: NewReport, street_id: int, policy: ReportPolicy, now: datetime
) -> Report | None:
    candidates = session.scalars(
        select(Report).where(
            Report.category == new.category,
            Report.street_id == street_id,
            Report.status.in_(OPEN_STATUSES),
            Report.duplicate_of.is_(None),
            Report.created_at >= now - policy.duplicate_window,
        )
    ).all()
    close = [(haversine_m(new.lat, new.lon, r.lat, r.lon), r.id, r) for r in candidates]
    close = [item for item in close if item[0] <= policy.duplicate_radius_m]
    return min(close)[2] if close else None


def record_status(session: Session, report: Report, status: str, note: str, actor: str) -> None:
    report.status = status
    session.add(ReportHistory(report_id=report.id, status=status, note=note, actor=actor, at=datetime.now(UTC)))


def file_report(session: Session, index: StreetIndexCache, policy: ReportPolicy, new: NewReport) -> Report:
    category = CATEGORIES.get(new.category)
    if category is None:
        raise Unprocessable(f"unknown category {new.category!r}; choose one of {', '.join(CATEGORIES)}")
    snapped = index.index(session).nearest(new.lat, new.lon, policy.snap_distance_m)
    if snapped is None:
        raise Unprocessable(
            f"({new.lat:.5f}, {new.lon:.5f}) is not within {policy.snap_distance_m:.0f} m of any street "
            "in the city; move the pin onto the street where the litter is"
        )
    street_id = int(snapped[0])  # type: ignore[call-overload]
    now = datetime.now(UTC)
    duplicate = _find_duplicate(session, new, street_id, policy, now)
    report = Report(
        street_id=street_id,
        category=category.code,
        severity=category.severity,
        description=new.description.strip(),
        lat=new.lat,
        lon=new.lon,
        status="open",
        tracking_token=secrets.token_urlsafe(24),
        source=new.source,
        reporter_email=(new.email or None) and new.email.strip().lower(),
        reporter_name=new.name,
        reporter_phone=new.phone,
        due_at=add_working_days(now, category.response_working_days),
        created_at=now,
        duplicate_of=duplicate.id if duplicate else None,
    )
    session.add(report)
    session.flush()
    session.add(ReportHistory(report_id=report.id, status="open", note="report received", actor=new.source, at=now))
    if duplicate is not None:
        duplicate.also_reported += 1
        record_status(session, report, "duplicate", f"same as report {duplicate.id} nearby", "system")
    events.report_filed(session, report)
    return report


def street_name(session: Session, street_id: int) -> str:
    street = session.get(StreetCopy, street_id)
    return street.name if street else f"street {street_id}"


def track(session: Session, token: str) -> Report:
    report = session.scalar(select(Report).where(Report.tracking_token == token))
    if report is None:
        raise NotFound("no report has this tracking link; check that you copied the whole link")
    return report


def transition(session: Session, report: Report, new_status: str, note: str, actor: str) -> None:
    if not can_move(report.status, new_status):
        raise Conflict(f"a report that is {report.status} cannot become {new_status}")
    record_status(session, report, new_status, note, actor)
    if new_status == "resolved":
        report.resolved_at = datetime.now(UTC)


def resolve_after_visit(session: Session, street_id: int, report_ids: list[int], kind: str) -> int:
    """A crew cleaned the street: its open reports that cleaning fixes are resolved."""
    resolved = 0
    for report in session.scalars(
        select(Report).where(Report.street_id == street_id, Report.status.in_(OPEN_STATUSES))
    ).all():
        category = CATEGORIES.get(report.category)
        fixed_by_visit = report.id in report_ids or (
            kind == "clean" and category is not None and category.cleans_street
        )
        if fixed_by_visit:
            transition(session, report, "resolved", "a city crew cleaned the street", "crew")
            resolved += 1
    return resolved
