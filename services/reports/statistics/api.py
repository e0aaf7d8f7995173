"""Staff: report statistics per district, category and period, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from kernel.auth import Principal, Role, require_roles
from kernel.errors import Unprocessable
from kernel.mail import FALLBACK_LANGUAGE
from kernel.service_app import SessionDep
from services.reports.categories import service as categories
from services.reports.statistics import service
from services.reports.statistics.schemas import Statistics, StatisticsRow

router = APIRouter(prefix="/api/v1/reports", tags=["statistics"])
StaffDep = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.INSPECTOR))]
DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=3 * 366)
FromQuery = Annotated[
    datetime | None, Query(alias="from", description="start (inclusive); default: 30 days before `to`")
]
ToQuery = Annotated[datetime | None, Query(alias="to", description="end (exclusive); default: now")]
DistrictQuery = Annotated[str | None, Query(max_length=100, description="only this district")]
CategoryQuery = Annotated[str | None, Query(max_length=40, description="only this category code")]
COLUMNS = list(StatisticsRow.model_fields)


def _period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    start = start or end - DEFAULT_PERIOD
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    if start >= end:
        raise Unprocessable("`from` must be before `to`", code="period_backwards", params={"field": "to"})
    if end - start > MAX_PERIOD:
        raise Unprocessable(
            "the period may span at most three years; ask per year", code="period_too_long", params={"field": "from"}
        )
    return start, end


def _compute(
    session: SessionDep,
    _: StaffDep,
    start: FromQuery = None,
    end: ToQuery = None,
    district: DistrictQuery = None,
    category: CategoryQuery = None,
) -> Statistics:
    """The figures for the asked period and filters, for staff; each route only renders them."""
    if category:
        categories.known_or_422(session, category, FALLBACK_LANGUAGE)
    period_start, period_end = _period(start, end)
    rows = service.report_statistics(session, period_start, period_end, district, category, datetime.now(UTC))
    return Statistics(
        start=period_start,
        end=period_end,
        district=district,
        category=category,
        rows=[StatisticsRow(**row) for row in rows],
    )


StatisticsDep = Annotated[Statistics, Depends(_compute)]


@router.get("/statistics", response_model=Statistics)
def statistics_json(result: StatisticsDep) -> Statistics:
    """Received, resolved, overdue, median time to resolve and share within target, per district and category."""
    return result


@router.get("/statistics.csv", response_class=Response)
def statistics_csv(result: StatisticsDep) -> Response:
    """The same figures as CSV (one row per district and category, then the total)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in result.rows:
        writer.writerow(row.model_dump())
    name = f"report-statistics-{result.start:%Y%m%d}-{result.end:%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
