from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from kernel.db import insert_new, table_of
from services.reports.reports.lifecycle import OPEN_STATUSES
from services.reports.reports.models import Report, ReportHistory


def get(session: Session, report_id: int) -> Report | None:
    return session.get(Report, report_id)


def insert_report(session: Session, values: dict[str, Any]) -> Report:
    """A report filed, stored in one INSERT now; the object is not tracked by the session (change
    it through `get`): filing is the hot path, and nothing changes a report in the request that files it."""
    return insert_new(session, Report, values)


def by_token(session: Session, token: str) -> Report | None:
    return session.scalar(select(Report).where(Report.tracking_token == token))


def history(session: Session, report_id: int) -> Sequence[ReportHistory]:
    return session.scalars(
        select(ReportHistory).where(ReportHistory.report_id == report_id).order_by(ReportHistory.at, ReportHistory.id)
    ).all()


def open_on_street(session: Session, street_id: int) -> Sequence[Report]:
    return session.scalars(select(Report).where(Report.street_id == street_id, Report.status.in_(OPEN_STATUSES))).all()


# The duplicate search runs on every report filed: built once as Core statements (no ORM entities
# to load, the compiled form cached against the same statement object), parameters bound per call.
_REPORTS = table_of(Report)
_OPEN_ORIGINALS = select(_REPORTS.c.id, _REPORTS.c.lat, _REPORTS.c.lon).where(
    _REPORTS.c.category == bindparam("category"),
    _REPORTS.c.street_id == bindparam("street_id"),
    or_(*(_REPORTS.c.status == status for status in OPEN_STATUSES)),  # fixed binds: compiled once
    _REPORTS.c.duplicate_of.is_(None),
    _REPORTS.c.created_at >= bindparam("since"),
)
_COUNT_ALSO_REPORTED = (
    update(_REPORTS).where(_REPORTS.c.id == bindparam("report_id")).values(also_reported=_REPORTS.c.also_reported + 1)
)


def open_originals_since(
    session: Session, category: str, street_id: int, since: datetime
) -> Sequence[tuple[int, float, float]]:
    """(id, lat, lon) of the open reports of ``category`` on the street filed since ``since`` that
    are not duplicates themselves: the points alone, as the duplicate search needs no more."""
    rows = session.execute(_OPEN_ORIGINALS, {"category": category, "street_id": street_id, "since": since})
    return [(report_id, lat, lon) for report_id, lat, lon in rows]


def count_also_reported(session: Session, report_id: int) -> None:
    """One more resident reported the same litter: counted in the database, without loading the
    report (a report this session holds would not see the new count)."""
    session.execute(_COUNT_ALSO_REPORTED, {"report_id": report_id})


_ADD_HISTORY = insert(table_of(ReportHistory))


def add_history(session: Session, entries: Sequence[dict[str, Any]]) -> None:
    """Append entries to reports' histories (append-only: never loaded to be changed), in one
    INSERT executed now, in the session's transaction; what the session holds pending is flushed first."""
    session.execute(_ADD_HISTORY, list(entries))


def duplicates_with_email(session: Session, report_id: int) -> Sequence[Report]:
    """The reports marked as duplicates of this one whose reporter left an email address."""
    return session.scalars(
        select(Report).where(Report.duplicate_of == report_id, Report.reporter_email.is_not(None))
    ).all()


def open_originals_in_box(
    session: Session, min_lat: float, max_lat: float, min_lon: float, max_lon: float
) -> Sequence[Report]:
    return session.scalars(
        select(Report).where(
            Report.status.in_(OPEN_STATUSES),
            Report.duplicate_of.is_(None),
            Report.lat.between(min_lat, max_lat),
            Report.lon.between(min_lon, max_lon),
        )
    ).all()


def open_originals(session: Session, limit: int) -> Sequence[Report]:
    return session.scalars(
        select(Report)
        .where(Report.status.in_(OPEN_STATUSES), Report.duplicate_of.is_(None))
        .order_by(Report.created_at.desc())
        .limit(limit)
    ).all()


def newest_first(
    session: Session, status: str | None, street_id: int | None, limit: int, offset: int
) -> Sequence[Report]:
    """Reports newest first; ``status`` "open" means any open status."""
    query = select(Report).order_by(Report.created_at.desc(), Report.id.desc())
    if status == "open":
        query = query.where(Report.status.in_(OPEN_STATUSES))
    elif status:
        query = query.where(Report.status == status)
    if street_id is not None:
        query = query.where(Report.street_id == street_id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def by_ids(session: Session, ids: Sequence[int], limit: int) -> Sequence[Report]:
    """The reports with these ids, newest first."""
    return session.scalars(
        select(Report).order_by(Report.created_at.desc(), Report.id.desc()).where(Report.id.in_(ids)).limit(limit)
    ).all()


def filed_between(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    categories: Sequence[str],
    open_only: bool | None,
    limit: int,
    offset: int,
) -> Sequence[Report]:
    """Reports filed from ``start`` to ``end``, newest first: of these categories (all when empty),
    open ones (``open_only`` True), closed ones (False) or both (None)."""
    statement = select(Report).order_by(Report.created_at.desc(), Report.id.desc())
    statement = statement.where(Report.created_at >= start, Report.created_at <= end)
    if categories:
        statement = statement.where(Report.category.in_(categories))
    if open_only is True:
        statement = statement.where(Report.status.in_(OPEN_STATUSES))
    elif open_only is False:
        statement = statement.where(Report.status.not_in(OPEN_STATUSES))
    return session.scalars(statement.limit(limit).offset(offset)).all()


def with_personal_data_before(session: Session, cutoff: datetime) -> Sequence[Report]:
    """Reports filed before ``cutoff`` that still hold a reporter's email, name or phone."""
    return session.scalars(
        select(Report).where(
            Report.created_at < cutoff,
            or_(
                Report.reporter_email.is_not(None),
                Report.reporter_name.is_not(None),
                Report.reporter_phone.is_not(None),
            ),
        )
    ).all()


def received_between(
    session: Session, start: datetime, end: datetime, category: str | None, street_ids: Collection[int] | None
) -> Sequence[tuple[int, str, str, datetime, datetime, datetime | None]]:
    """(street_id, category, status, created_at, due_at, resolved_at) of the reports received in [start, end),
    of ``category`` and on these streets when given; duplicates left out (they count on the report they joined)."""
    statement = select(
        Report.street_id, Report.category, Report.status, Report.created_at, Report.due_at, Report.resolved_at
    ).where(Report.created_at >= start, Report.created_at < end, Report.duplicate_of.is_(None))
    if street_ids is not None:
        statement = statement.where(Report.street_id.in_(street_ids))
    if category:
        statement = statement.where(Report.category == category)
    return session.execute(statement).all()


def overdue_by_category(session: Session, now: datetime) -> dict[str, int]:
    """Open reports past their response target, per category."""
    rows = session.execute(
        select(Report.category, func.count())
        .where(Report.status.in_(OPEN_STATUSES), Report.due_at < now)
        .group_by(Report.category)
    ).all()
    return {category: int(count) for category, count in rows}
