"""Open311 GeoReport v2 on top of the reports domain: services, service requests, tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kernel.mail import FALLBACK_LANGUAGE, language_from_accept, normalise_language
from services.reports.categories import service as categories
from services.reports.categories.rules import Category
from services.reports.photos.service import photo_path
from services.reports.reports import repository
from services.reports.reports.lifecycle import OPEN_STATUSES
from services.reports.reports.models import Report
from services.reports.reports.privacy import public_position, redact_contacts
from services.reports.streets import repository as streets
from services.reports.streets.service import middle_point

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
AGENCY = "Streetcare city street cleaning"
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_DESCRIPTION = 4000  # characters, as the specification limits `description`
CHANGESET = datetime(2026, 11, 23, tzinfo=UTC)  # when the discovery document last changed


class Open311Error(Exception):
    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def service_notice(category: Category) -> str:
    return f"We aim to respond within {category.response_working_days} working day(s)."


def requested_language(params: dict[str, str], accept_language: str | None) -> str:
    """`locale` (as common Open311 servers take it) first, then `Accept-Language`; English otherwise."""
    if params.get("locale"):
        return normalise_language(params["locale"])
    return language_from_accept(accept_language) or FALLBACK_LANGUAGE


def service_item(category: Category, language: str = FALLBACK_LANGUAGE) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name_in(language),
        "description": category.description_in(language),
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": ",".join(category.keywords),
        "group": "street cleaning",
    }


def service_list(session: Session, language: str) -> list[dict[str, Any]]:
    """The stored categories residents may choose (a retired one is not offered)."""
    return [service_item(c, language) for c in categories.active(session)]


def service_definition(category: Category, language: str = FALLBACK_LANGUAGE) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description or None,
                "order": order,
                "description": attribute.description_in(language),
                "values": [{"key": v.key, "name": v.name_in(language)} for v in attribute.values],
            }
            for order, attribute in enumerate(category.attributes, start=1)
        ],
    }


def category_or_404(session: Session, code: str) -> Category:
    """An offered category; unknown ones are 404, retired ones too, saying they are no longer offered."""
    category = categories.find(session, code)
    if category is None:
        raise Open311Error(404, f"service_code {code!r} not found; GET services for the list")
    if category.retired:
        raise Open311Error(
            404, f"service_code {code!r} is retired and no longer accepts requests; GET services for the list"
        )
    return category


def open311_status(report: Report) -> str:
    return "open" if report.status in OPEN_STATUSES else "closed"


@dataclass(frozen=True)
class RequestQuery:
    ids: list[int] | None
    service_codes: list[str]
    statuses: list[str]
    start: datetime
    end: datetime
    page: int
    page_size: int


def parse_datetime(name: str, raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C datetime such as 2024-05-01T08:00:00Z") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _positive(name: str, raw: str | None, default: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a whole number") from None
    if value < 1:
        raise Open311Error(400, f"{name} must be 1 or more")
    return min(value, maximum)


def parse_request_query(params: dict[str, str], now: datetime) -> RequestQuery:
    ids: list[int] | None = None
    if params.get("service_request_id"):
        try:
            ids = [int(part) for part in params["service_request_id"].split(",") if part.strip()]
        except ValueError:
            raise Open311Error(400, "service_request_id must be one or more numbers, comma delimited") from None
    # an unknown code matches no request: an empty list, not 404 (that is for an unknown jurisdiction)
    codes = [code.strip() for code in params.get("service_code", "").split(",") if code.strip()]
    # a code with a control character (PostgreSQL cannot even compare a NUL) matches nothing either
    codes = [code if code.isprintable() else "" for code in codes]
    statuses = [s.strip().lower() for s in params.get("status", "").split(",") if s.strip()]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status must be open or closed (or both, comma delimited)")
    start_raw, end_raw = params.get("start_date"), params.get("end_date")
    end = parse_datetime("end_date", end_raw) if end_raw else None
    start = parse_datetime("start_date", start_raw) if start_raw else None
    if start is None and end is None:
        end, start = now, now - DEFAULT_WINDOW
    elif start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = min(now, start + DEFAULT_WINDOW) if start < now else start + DEFAULT_WINDOW
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, "the date range may not span more than 90 days")
    page = _positive("page", params.get("page"), 1, 1_000_000)
    page_size = _positive("page_size", params.get("page_size"), MAX_REQUESTS, MAX_REQUESTS)
    return RequestQuery(ids, codes, statuses, start, end, page, page_size)


def find_requests(session: Session, query: RequestQuery) -> Sequence[Report]:
    if query.ids is not None:
        return repository.by_ids(session, query.ids, MAX_REQUESTS)
    return repository.filed_between(
        session,
        query.start,
        query.end,
        categories=query.service_codes,
        open_only=True if query.statuses == ["open"] else False if query.statuses == ["closed"] else None,
        limit=query.page_size,
        offset=(query.page - 1) * query.page_size,
    )


def request_item(
    session: Session, report: Report, base_url: str, street: str | None, with_notes: bool
) -> dict[str, Any]:
    category = categories.find(session, report.category)
    history = list(repository.history(session, report.id))
    latest_note = report.status_reason or (history[-1].note if history else None)
    media_url = f"{base_url}{photo_path(report.photo_id)}" if report.photo_id else report.media_url
    item: dict[str, Any] = {
        "service_request_id": str(report.id),
        "status": open311_status(report),
        "status_notes": latest_note,
        "service_name": category.name_en if category else report.category,
        "service_code": report.category,
        "description": redact_contacts(report.description) or None,
        "agency_responsible": AGENCY,
        "service_notice": service_notice(category) if category else None,
        "requested_datetime": report.created_at,
        "updated_datetime": report.updated_at,
        "expected_datetime": report.due_at if report.status in OPEN_STATUSES else None,
        "address": street or (redact_contacts(report.address) if report.address else None),
        "address_id": None,
        "zipcode": None,
        "lat": public_position(report.lat),
        "long": public_position(report.lon),
        "media_url": media_url,
    }
    if with_notes:
        item["notes"] = [
            {"datetime": h.at, "type": "status", "summary": h.status, "description": h.note} for h in history
        ]
    return item


def check_jurisdiction(params: dict[str, str], configured: str) -> None:
    """`jurisdiction_id` is optional here (one city per endpoint); when sent it must be this city's."""
    given = (params.get("jurisdiction_id") or "").strip()
    if given and configured and given.lower() != configured.lower():
        raise Open311Error(404, f"jurisdiction_id {given!r} is not served here; this endpoint serves {configured!r}")


def street_by_id(session: Session, address_id: str) -> tuple[float, float]:
    """`address_id` names a street of the registry (its id, as `GET /api/v1/reports/streets` lists them)."""
    coordinates = None
    if address_id.strip().isdigit():
        coordinates = streets.coordinates_of(session, int(address_id.strip()))
    if coordinates is None:
        raise Open311Error(400, f"address_id {address_id!r} is not a street id here; send lat and long instead")
    lon, lat = middle_point(coordinates)
    return lat, lon


def street_by_address(session: Session, address: str) -> tuple[float, float, str]:
    """The point of the street named in `address_string` (exact name first, then a name it contains)."""
    text = address.strip().lower()
    if len(text) < 2:
        raise Open311Error(400, "address_string is too short to find a street")
    row = streets.named(session, text)
    if row is None:  # "Mannerheimintie 5, Helsinki": the longest street name the address starts with
        candidates = streets.names_and_coordinates(session)
        matching = [c for c in candidates if c[0] and text.startswith(c[0].lower())]
        row = max(matching, key=lambda c: len(c[0])) if matching else None
    if row is None:
        raise Open311Error(400, f"no street in the city matches address_string {address!r}; send lat and long")
    lon, lat = middle_point(row[1])
    return lat, lon, str(row[0])
