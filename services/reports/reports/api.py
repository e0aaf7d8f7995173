from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from services.reports.reports import repository, service
from services.reports.reports.schemas import (
    HistoryEntry,
    ReportCreate,
    ReportCreated,
    ReportTracking,
)
from streetcare.core.service_app import get_runtime, get_session
from streetcare.core.street_copy import StreetIndexCache

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
SessionDep = Annotated[Session, Depends(get_session)]


def street_index(request: Request) -> StreetIndexCache:
    cache: StreetIndexCache = get_runtime(request).extras["street_index"]
    return cache


def report_policy(request: Request) -> service.ReportPolicy:
    settings = request.app.state.settings
    return service.ReportPolicy(
        snap_distance_m=settings.snap_distance_m,
        duplicate_radius_m=settings.duplicate_radius_m,
        duplicate_window=timedelta(hours=settings.duplicate_window_hours),
    )


@router.post("/reports", status_code=201, response_model=ReportCreated)
def file_report(
    body: ReportCreate,
    session: SessionDep,
    index: Annotated[StreetIndexCache, Depends(street_index)],
    policy: Annotated[service.ReportPolicy, Depends(report_policy)],
) -> ReportCreated:
    report = service.file_report(
        session,
        index,
        policy,
        service.NewReport(
            category=body.category, lat=body.lat, lon=body.lon, description=body.description, email=body.email
        ),
    )
    return ReportCreated(
        id=report.id,
        street_id=report.street_id,
        street_name=service.street_name(session, report.street_id),
        status=report.status,
        category=report.category,
        tracking_token=report.tracking_token,
        tracking_url=f"/report/track/{report.tracking_token}",
        created_at=report.created_at,
        due_at=report.due_at,
        duplicate_of=report.duplicate_of,
    )


@router.get("/track/{token}", response_model=ReportTracking)
def track_report(token: str, session: SessionDep) -> ReportTracking:
    report = service.track(session, token)
    return ReportTracking(
        id=report.id,
        category=report.category,
        street_id=report.street_id,
        street_name=service.street_name(session, report.street_id),
        status=report.status,
        description=report.description,
        created_at=report.created_at,
        due_at=report.due_at,
        history=[HistoryEntry(status=h.status, note=h.note, at=h.at) for h in repository.history(session, report.id)],
    )
