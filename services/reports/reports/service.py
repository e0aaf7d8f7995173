"""Filing and following reports: snapping, duplicates, due dates, the append-only history."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from kernel import metrics
from kernel.errors import Conflict, NotFound, Unprocessable
from kernel.geo import box_around, haversine_m
from kernel.mail import normalise_language
from kernel.street_copy import StreetIndexCache
from services.reports.categories import service as categories
from services.reports.categories.rules import AnswerRefused
from services.reports.notifications.service import Notifier
from services.reports.photos import service as photos
from services.reports.reports import events, notes, repository
from services.reports.reports.lifecycle import OPEN_STATUSES, WITHDRAWING_STATUSES, can_move
from services.reports.reports.models import Report
from services.reports.reports.notes import Note
from services.reports.settings import ReportsSettings


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
    attributes: dict[str, Any] = field(default_factory=dict)
    photo_id: str | None = None
    media_url: str | None = None
    address: str | None = None
    api_client_id: int | None = None
    language: str = "nl"  # the reporter's, for mail
    answer_language: str | None = None  # for a refusal's message (default: `language`)


@dataclass(frozen=True)
class ReportPolicy:
    snap_distance_m: float
    duplicate_radius_m: float
    duplicate_window: timedelta
    reopen_window: timedelta = timedelta(days=14)


def policy_from(settings: ReportsSettings) -> ReportPolicy:
    return ReportPolicy(
        snap_distance_m=settings.snap_distance_m,
        duplicate_radius_m=settings.duplicate_radius_m,
        duplicate_window=timedelta(hours=settings.duplicate_window_hours),
        reopen_window=timedelta(days=settings.reopen_window_days),
    )


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    return report.status in OPEN_STATUSES and (now or datetime.now(UTC)) > as_utc(report.due_at)


def _find_duplicate(
    session: Session, new: NewReport, street_id: int, policy: ReportPolicy, now: datetime
) -> int | None:
    """The id of the nearest open report of the same litter within the duplicate radius, if any."""
    candidates = repository.open_originals_since(session, new.category, street_id, now - policy.duplicate_window)
    close = [(haversine_m(new.lat, new.lon, lat, lon), report_id) for report_id, lat, lon in candidates]
    close = [item for item in close if item[0] <= policy.duplicate_radius_m]
    return min(close)[1] if close else None


def _history(report_id: int, status: str, note: Note, actor: str, at: datetime) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "status": status,
        "note": note.text,
        "note_code": note.code,
        "note_params": note.params or None,
        "actor": actor,
        "at": at,
    }


def record_status(session: Session, report: Report, status: str, note: Note, actor: str) -> None:
    report.status = status
    report.updated_at = datetime.now(UTC)
    repository.add_history(session, [_history(report.id, status, note, actor, datetime.now(UTC))])


def file_report(
    session: Session,
    index: StreetIndexCache,
    policy: ReportPolicy,
    new: NewReport,
    notifier: Notifier | None = None,
) -> Report:
    said_in = new.answer_language or new.language
    category = categories.for_filing(session, new.category, said_in)
    try:
        attributes = category.check_attributes(new.attributes, said_in)
    except AnswerRefused as exc:
        raise Unprocessable(str(exc), code=exc.code, params=exc.params) from None
    snapped = index.index(session).nearest(new.lat, new.lon, policy.snap_distance_m)
    if snapped is None:
        raise Unprocessable(
            f"({new.lat:.5f}, {new.lon:.5f}) is not within {policy.snap_distance_m:.0f} m of any street "
            "in the city; move the pin onto the street where the litter is",
            code="not_near_street",
            params={"distance": round(policy.snap_distance_m), "field": "lat"},
        )
    street_id = int(snapped[0])  # type: ignore[call-overload]
    now = datetime.now(UTC)
    duplicate = _find_duplicate(session, new, street_id, policy, now)
    if duplicate is not None:  # before anything is pending in the session: no flush on the way
        repository.count_also_reported(session, duplicate)
    report = repository.insert_report(
        session,
        {
            "street_id": street_id,
            "category": category.code,
            "severity": category.severity,
            "description": new.description.strip(),
            "lat": new.lat,
            "lon": new.lon,
            "status": "open" if duplicate is None else "duplicate",
            "tracking_token": secrets.token_urlsafe(24),
            "source": new.source,
            "reporter_email": (new.email or None) and new.email.strip().lower(),
            "reporter_name": new.name or None,
            "reporter_phone": new.phone or None,
            "reporter_language": normalise_language(new.language),
            "address": new.address,
            "attributes": attributes or None,
            "media_url": new.media_url,
            "api_client_id": new.api_client_id,
            "photo_id": new.photo_id,
            "due_at": category.due_at(now),
            "created_at": now,
            "updated_at": now,
            "duplicate_of": duplicate,
        },
    )
    if new.photo_id:
        photos.attach(session, new.photo_id, report.id)
    history = [_history(report.id, "open", notes.system("received"), new.source, now)]
    if duplicate is not None:  # stored as a duplicate at once; its history says it was received first
        history.append(_history(report.id, "duplicate", notes.system("duplicate", report=duplicate), "system", now))
    repository.add_history(session, history)
    events.report_filed(session, report)
    if notifier is not None:
        notifier.received(session, report)
    # counted once stored: a commit the database refuses counts nothing
    category_code = report.category
    event.listen(session, "after_commit", lambda _: metrics.REPORTS_FILED.labels(category_code).inc(), once=True)
    return report


def measure_overdue(session: Session) -> None:
    """`streetcare_reports_overdue{category}` as of this scrape (the alert and the dashboard read it)."""
    counts = repository.overdue_by_category(session, datetime.now(UTC))
    metrics.REPORTS_OVERDUE.clear()  # a category with nothing overdue any more reads as absent, not stale
    for category, count in counts.items():
        metrics.REPORTS_OVERDUE.labels(category).set(count)


def get(session: Session, report_id: int) -> Report:
    report = repository.get(session, report_id)
    if report is None:
        raise NotFound(f"there is no report {report_id}", code="report_unknown", params={"report": report_id})
    return report


def track(session: Session, token: str) -> Report:
    report = repository.by_token(session, token) if len(token) <= 64 else None
    if report is None:
        raise NotFound(
            "no report has this tracking link; check that you copied the whole link", code="tracking_unknown"
        )
    return report


def canonical(session: Session, report: Report) -> Report:
    """The report this one duplicates (what a crew will act on), or itself."""
    if report.duplicate_of is not None:
        original = repository.get(session, report.duplicate_of)
        if original is not None:
            return original
    return report


def transition(
    session: Session,
    report: Report,
    new_status: str,
    note: Note,
    actor: str,
    notifier: Notifier | None = None,
) -> None:
    if not can_move(report.status, new_status):
        raise Conflict(
            f"a report that is {report.status} cannot become {new_status}",
            code="status_not_allowed",
            params={"status": report.status, "new_status": new_status},
        )
    was_open = report.status in OPEN_STATUSES
    record_status(session, report, new_status, note, actor)
    if new_status in ("rejected", "withdrawn"):
        report.status_reason = note.text[:500]
    if new_status == "resolved":
        report.resolved_at = datetime.now(UTC)
    if was_open and new_status in WITHDRAWING_STATUSES:
        events.report_withdrawn(session, report, note.text or new_status)
    if notifier is not None:
        notifier.status_changed(session, report, note.text)
        if new_status == "resolved":  # those who said "me too" with their own report hear it too
            for linked in repository.duplicates_with_email(session, report.id):
                notifier.status_changed(session, _as_status(linked, "resolved"), note.text)


def _as_status(report: Report, status: str) -> Report:
    view = Report(
        id=report.id,
        category=report.category,
        status=status,
        tracking_token=report.tracking_token,
        reporter_email=report.reporter_email,
    )
    return view


def staff_transition(
    session: Session, report_id: int, new_status: str, note: str, actor: str, notifier: Notifier | None
) -> Report:
    report = get(session, report_id)
    if new_status == "rejected" and not note.strip():
        raise Unprocessable(
            "give the reason for rejecting the report; the reporter sees it",
            code="reason_required",
            params={"field": "note"},
        )
    transition(session, report, new_status, notes.written(note, notes.STAFF_DEFAULTS.get(new_status)), actor, notifier)
    return report


def reopen(session: Session, token: str, note: str, policy: ReportPolicy, notifier: Notifier | None) -> Report:
    report = track(session, token)
    if report.status != "resolved":
        raise Conflict(
            f"only a resolved report can be reopened; this one is {report.status}",
            code="reopen_not_resolved",
            params={"status": report.status},
        )
    resolved_at = as_utc(report.resolved_at or report.updated_at)
    if datetime.now(UTC) > resolved_at + policy.reopen_window:
        days = policy.reopen_window.days
        raise Conflict(
            f"a report can be reopened within {days} days of being resolved; please file a new report",
            code="reopen_too_late",
            params={"days": days},
        )
    transition(session, report, "reopened", notes.written(note, "reopened_by_reporter"), "reporter", notifier)
    report.resolved_at = None
    category = categories.find(session, report.category)  # today's target: the report needs care anew
    if category is not None:
        report.due_at = category.due_at(datetime.now(UTC))
    events.report_filed(session, report)  # the street needs care again
    return report


def withdraw(session: Session, token: str, note: str, notifier: Notifier | None) -> Report:
    report = track(session, token)
    transition(session, report, "withdrawn", notes.written(note, "withdrawn_by_reporter"), "reporter", notifier)
    return report


def can_reopen(report: Report, policy: ReportPolicy, now: datetime | None = None) -> bool:
    if report.status != "resolved":
        return False
    resolved_at = as_utc(report.resolved_at or report.updated_at)
    return (now or datetime.now(UTC)) <= resolved_at + policy.reopen_window


def me_too(session: Session, report_id: int) -> Report:
    report = canonical(session, get(session, report_id))
    if report.status not in OPEN_STATUSES:
        raise Conflict(
            "this report is no longer open; file a new report if there is litter again", code="report_not_open"
        )
    report.also_reported += 1
    report.updated_at = datetime.now(UTC)
    return report


def nearby_open(
    session: Session, lat: float, lon: float, radius_m: float, limit: int = 50
) -> list[tuple[float, Report]]:
    """Open, non-duplicate reports within `radius_m`, nearest first."""
    rows = repository.open_originals_in_box(session, *box_around(lat, lon, radius_m))
    near = sorted(((haversine_m(lat, lon, r.lat, r.lon), r) for r in rows), key=lambda item: (item[0], item[1].id))
    return [item for item in near if item[0] <= radius_m][:limit]


def open_reports(session: Session, limit: int = 5000) -> Sequence[Report]:
    return repository.open_originals(session, limit)


def staff_list(
    session: Session, status: str | None, street_id: int | None, limit: int, offset: int
) -> Sequence[Report]:
    return repository.newest_first(session, status, street_id, limit, offset)


def resolve_after_visit(
    session: Session, street_id: int, report_ids: list[int], kind: str, notifier: Notifier | None = None
) -> int:
    """A crew cleaned the street: its open reports that cleaning fixes are resolved, reporters told."""
    resolved = 0
    known = categories.every(session)
    for report in repository.open_on_street(session, street_id):
        category = known.get(report.category)
        fixed_by_visit = report.id in report_ids or (
            kind == "clean" and category is not None and category.cleans_street
        )
        if fixed_by_visit:
            transition(session, report, "resolved", notes.system("crew_cleaned"), "crew", notifier)
            resolved += 1
    return resolved


def erase_expired_personal_data(session: Session, retention: timedelta, now: datetime | None = None) -> int:
    """Erase the reporter's email, name and phone from reports older than the retention period."""
    cutoff = (now or datetime.now(UTC)) - retention
    reports = repository.with_personal_data_before(session, cutoff)
    for report in reports:
        report.reporter_email = None
        report.reporter_name = None
        report.reporter_phone = None
        report.personal_data_erased_at = now or datetime.now(UTC)
    return len(reports)
