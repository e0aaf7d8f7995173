from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy.orm import Session

from kernel.auth import Principal, Role, require_roles
from kernel.idempotency import StoredAnswer, request_hash
from kernel.mail import FALLBACK_LANGUAGE, language_from_accept
from kernel.responses import from_row
from kernel.service_app import SessionDep
from services.reports.categories import service as categories
from services.reports.categories.rules import Category
from services.reports.deps import IndexDep, settings_of
from services.reports.idempotency import service as idempotency
from services.reports.notifications.api import NotifierDep
from services.reports.photos.service import photo_path
from services.reports.reports import repository, service
from services.reports.reports.models import Report
from services.reports.reports.schemas import (
    HistoryEntry,
    MeTooAnswer,
    PublicReport,
    ReportCreate,
    ReportCreated,
    ReportTracking,
    ResidentNote,
    StaffReport,
    StatusChange,
)
from services.reports.streets import service as streets

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
StaffDep = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.INSPECTOR))]


async def report_policy(request: Request) -> service.ReportPolicy:
    return service.policy_from(settings_of(request))


PolicyDep = Annotated[service.ReportPolicy, Depends(report_policy)]


def _history(session: Session, report_id: int) -> list[HistoryEntry]:
    return [HistoryEntry.model_validate(h) for h in repository.history(session, report_id)]


def _photo_url(report: Report) -> str | None:
    return photo_path(report.photo_id) if report.photo_id else None


@router.post("/reports", status_code=201, response_model=ReportCreated)
def file_report(
    body: ReportCreate,
    request: Request,
    index: IndexDep,
    policy: PolicyDep,
    notifier: NotifierDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """File a report. Send an `Idempotency-Key` header to make retries safe: one key, one report."""

    asked = language_from_accept(request.headers.get("accept-language"))

    def produce(session: Session) -> StoredAnswer:
        report = service.file_report(
            session,
            index,
            policy,
            service.NewReport(
                category=body.category,
                lat=body.lat,
                lon=body.lon,
                description=body.description,
                email=body.email,
                attributes=dict(body.attributes),
                photo_id=body.photo_id,
                language=body.language or asked or "nl",
                answer_language=asked or body.language or FALLBACK_LANGUAGE,
            ),
            notifier,
        )
        created = from_row(
            ReportCreated,
            report,
            street_name=index.label(session, report.street_id),
            tracking_url=f"/report#track={report.tracking_token}",
            photo_url=_photo_url(report),
        )
        return StoredAnswer(201, "application/json", created.model_dump_json())

    return idempotency.answer_once(
        request, "api:reports", idempotency_key, request_hash(body.model_dump_json()), produce
    )


@router.get("/track/{token}", response_model=ReportTracking)
def track_report(token: str, session: SessionDep, policy: PolicyDep) -> ReportTracking:
    report = service.track(session, token)
    original = service.canonical(session, report)
    return from_row(
        ReportTracking,
        report,
        street_name=streets.street_name(session, report.street_id),
        overdue=service.is_overdue(report),
        duplicate_of_status=original.status if original is not report else None,
        can_reopen=service.can_reopen(report, policy),
        photo_url=_photo_url(report),
        thumbnail_url=f"{_photo_url(report)}/thumbnail" if report.photo_id else None,
        attributes=report.attributes or {},
        email_on_file=report.reporter_email is not None,
        history=_history(session, report.id),
    )


@router.post("/track/{token}/reopen", response_model=ReportTracking)
def reopen_report(
    token: str, body: ResidentNote, session: SessionDep, policy: PolicyDep, notifier: NotifierDep
) -> ReportTracking:
    """The reporter says a resolved report is not clean after all (within the reopen window)."""
    service.reopen(session, token, body.note, policy, notifier)
    session.flush()
    return track_report(token, session, policy)


@router.post("/track/{token}/withdraw", response_model=ReportTracking)
def withdraw_report(
    token: str, body: ResidentNote, session: SessionDep, policy: PolicyDep, notifier: NotifierDep
) -> ReportTracking:
    service.withdraw(session, token, body.note, notifier)
    session.flush()
    return track_report(token, session, policy)


def _public(
    report: Report, names: dict[int, str], known: dict[str, Category], distance: float | None = None
) -> PublicReport:
    category = known.get(report.category)
    return from_row(
        PublicReport,
        report,
        category_name=category.name_en if category else report.category,
        category_name_nl=category.name_nl if category else report.category,
        street_name=names[report.street_id],
        lat=round(report.lat, 5),
        lon=round(report.lon, 5),
        overdue=service.is_overdue(report),
        distance_m=None if distance is None else round(distance, 1),
        thumbnail_url=f"{photo_path(report.photo_id)}/thumbnail" if report.photo_id else None,
    )


@router.get("/nearby", response_model=list[PublicReport])
def nearby(
    request: Request,
    session: SessionDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0)] = 100.0,
) -> list[PublicReport]:
    """Open reports near a spot, nearest first, so a resident can say "me too" instead of filing again."""
    radius = min(radius_m, settings_of(request).nearby_max_radius_m)
    near = service.nearby_open(session, lat, lon, radius)
    names = streets.street_names(session, {r.street_id for _, r in near})
    known = categories.every(session)
    return [_public(r, names, known, d) for d, r in near]


@router.post("/reports/{report_id}/me-too", response_model=MeTooAnswer)
def me_too(report_id: int, session: SessionDep) -> MeTooAnswer:
    """Count one more resident who sees this; no new report, nothing personal stored."""
    report = service.me_too(session, report_id)
    return MeTooAnswer.model_validate(report)


@router.get("/map.geojson")
def open_reports_geojson(session: SessionDep) -> dict[str, Any]:
    """Open reports as a GeoJSON FeatureCollection, without descriptions or personal data."""
    reports = service.open_reports(session)
    names = streets.street_names(session, {r.street_id for r in reports})
    known = categories.every(session)
    features = []
    for report in reports:
        public = _public(report, names, known).model_dump(mode="json")
        lat, lon = public.pop("lat"), public.pop("lon")
        public.pop("distance_m")
        features.append(
            {
                "type": "Feature",
                "id": report.id,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": public,
            }
        )
    return {"type": "FeatureCollection", "features": features, "generated_at": datetime.now(UTC).isoformat()}


def _staff(
    session: Session,
    report: Report,
    names: dict[int, str],
    with_history: bool,
    known: dict[str, Category] | None = None,
) -> StaffReport:
    category = known.get(report.category) if known is not None else categories.find(session, report.category)
    return from_row(
        StaffReport,
        report,
        category_name=category.name_en if category else report.category,
        category_name_nl=category.name_nl if category else report.category,
        street_name=names[report.street_id],
        overdue=service.is_overdue(report),
        has_email=report.reporter_email is not None,
        photo_url=_photo_url(report),
        attributes=report.attributes or {},
        history=_history(session, report.id) if with_history else [],
    )


@router.get("/reports", response_model=list[StaffReport])
def list_reports(
    session: SessionDep,
    _: StaffDep,
    status: str | None = None,
    street_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[StaffReport]:
    """Staff: reports, newest first (`status=open` for every open status)."""
    reports = service.staff_list(session, status, street_id, limit, offset)
    names = streets.street_names(session, {r.street_id for r in reports})
    known = categories.every(session)
    return [_staff(session, r, names, False, known) for r in reports]


@router.get("/reports/{report_id}", response_model=StaffReport)
def get_report(report_id: int, session: SessionDep, _: StaffDep) -> StaffReport:
    report = service.get(session, report_id)
    return _staff(session, report, streets.street_names(session, {report.street_id}), True)


@router.post("/reports/{report_id}/status", response_model=StaffReport)
def change_status(
    report_id: int, body: StatusChange, session: SessionDep, principal: StaffDep, notifier: NotifierDep
) -> StaffReport:
    """Staff: acknowledge, schedule, resolve, reject (with the reason) or reopen a report."""
    report = service.staff_transition(session, report_id, body.status, body.note, principal.subject, notifier)
    session.flush()
    return _staff(session, report, streets.street_names(session, {report.street_id}), True)
