"""Open311 GeoReport v2 under /open311/v2/ — every resource in `.json` and `.xml`.

Parameters are read as the specification sends them (query string; form-encoded body for POST),
not through FastAPI's validation, so every problem is answered in the specification's `errors`
list with 400, 403 or 404, in the format the client asked for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kernel.errors import DomainError
from kernel.idempotency import StoredAnswer, checked_key, request_hash
from kernel.service_app import get_runtime
from kernel.street_copy import street_index_of
from services.reports.clients import service as clients
from services.reports.database import StreetCopy
from services.reports.deps import settings_of
from services.reports.idempotency import service as idempotency
from services.reports.notifications.api import notifier_of
from services.reports.open311 import service as o311
from services.reports.open311.formats import FORMATS, errors, render
from services.reports.reports import service as reports
from services.reports.reports.privacy import clean_text
from services.reports.streets import service as streets

router = APIRouter(prefix="/open311/v2", tags=["open311"])
KEY_PAGE = "api-keys.html"
HOST_PATTERN = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def _answer(fmt: str, work: Callable[[], Response]) -> Response:
    if fmt not in FORMATS:
        return errors("json", 404, f"format {fmt!r} is not supported; use .json or .xml")
    try:
        return work()
    except o311.Open311Error as exc:
        return errors(fmt, exc.status_code, exc.description)
    except DomainError as exc:
        return errors(fmt, exc.status_code if exc.status_code in (403, 404) else 400, exc.message)


def _base_url(request: Request) -> str:
    """The configured public address; else the one the client used, as the proxy in front tells it."""
    configured = settings_of(request).public_base_url
    if configured:
        return configured.rstrip("/")
    host = request.headers.get("x-forwarded-host", "").split(",", 1)[0].strip() or request.headers.get("host", "")
    scheme = request.headers.get("x-forwarded-proto", "").split(",", 1)[0].strip() or request.url.scheme
    if not host or not HOST_PATTERN.fullmatch(host) or scheme not in ("http", "https"):
        return str(request.base_url).rstrip("/")
    return f"{scheme}://{host}"


def _read(request: Request, work: Callable[[Session], Response]) -> Response:
    with get_runtime(request).transaction() as session:
        return work(session)


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    def work() -> Response:
        base = _base_url(request)
        document = {
            "changeset": o311.CHANGESET,
            "contact": settings_of(request).open311_contact,
            "key_service": settings_of(request).open311_key_service or f"{base}/open311/v2/{KEY_PAGE}",
            "endpoints": [
                {
                    "specification": o311.SPECIFICATION,
                    "url": f"{base}/open311/v2",
                    "changeset": o311.CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return render(fmt, "discovery", document)

    return _answer(fmt, work)


@router.get(f"/{KEY_PAGE}", response_class=HTMLResponse)
def key_service_page(request: Request) -> HTMLResponse:
    """What discovery's `key_service` points at when the city set no page of its own."""
    contact = html.escape(settings_of(request).open311_contact, quote=False)
    base = html.escape(_base_url(request))
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Open311 API keys</title></head><body>"
        "<h1>An Open311 API key for your app</h1>"
        f"<p>Reading (services, requests) needs no key. To file requests from your app, ask {contact} "
        "for a key: say the app's name, who maintains it and how to reach them.</p>"
        f"<p>Send it as the <code>api_key</code> form field to <code>{base}/open311/v2/requests.json</code>. "
        f"The service list is at <code>{base}/open311/v2/services.json</code>.</p></body></html>"
    )


def _language(request: Request) -> str:
    return o311.requested_language(dict(request.query_params), request.headers.get("accept-language"))


def _check_jurisdiction(request: Request) -> None:
    o311.check_jurisdiction(dict(request.query_params), settings_of(request).open311_jurisdiction_id)


@router.get("/services.{fmt}")
def services(fmt: str, request: Request) -> Response:
    """The service list, names and descriptions in the language asked (`locale`, `Accept-Language`)."""

    def work() -> Response:
        _check_jurisdiction(request)
        language = _language(request)
        return _read(request, lambda session: render(fmt, "services", o311.service_list(session, language)))

    return _answer(fmt, work)


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, request: Request) -> Response:
    def work() -> Response:
        _check_jurisdiction(request)
        language = _language(request)

        def read(session: Session) -> Response:
            category = o311.category_or_404(session, service_code)
            return render(fmt, "service_definition", o311.service_definition(category, language))

        return _read(request, read)

    return _answer(fmt, work)


@router.get("/requests.{fmt}")
def get_requests(fmt: str, request: Request) -> Response:
    def work() -> Response:
        params = dict(request.query_params)
        _check_jurisdiction(request)
        query = o311.parse_request_query(params, datetime.now(UTC))
        with_notes = params.get("extensions", "").lower() == "true"

        def read(session: Session) -> Response:
            found = o311.find_requests(session, query)
            names = streets.street_names(session, {r.street_id for r in found})
            base = _base_url(request)
            items = [o311.request_item(session, r, base, names.get(r.street_id), with_notes) for r in found]
            return render(fmt, "service_requests", items)

        return _read(request, read)

    return _answer(fmt, work)


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(service_request_id: str, fmt: str, request: Request) -> Response:
    def work() -> Response:
        if not service_request_id.isdigit():
            raise o311.Open311Error(404, f"service_request_id {service_request_id!r} not found")

        def read(session: Session) -> Response:
            report = reports.get(session, int(service_request_id))
            name = streets.street_name(session, report.street_id)
            return render(fmt, "service_requests", [o311.request_item(session, report, _base_url(request), name, True)])

        return _read(request, read)

    return _answer(fmt, work)


@router.get("/tokens/{token}.{fmt}")
def get_token(token: str, fmt: str, request: Request) -> Response:
    def work() -> Response:
        def read(session: Session) -> Response:
            report = reports.track(session, token)
            return render(fmt, "service_requests", [{"service_request_id": str(report.id), "token": token}])

        return _read(request, read)

    return _answer(fmt, work)


def _attributes(form: list[tuple[str, str]]) -> dict[str, Any]:
    """`attribute[code]=v` and, for multi-value lists, `attribute[code][]=v` repeated."""
    found: dict[str, Any] = {}
    for name, value in form:
        if not name.startswith("attribute[") or "]" not in name:
            continue
        code = name[len("attribute[") : name.index("]")]
        if name.endswith("[]"):
            found.setdefault(code, [])
            if isinstance(found[code], list):
                found[code].append(value)
        else:
            found[code] = value
    return found


def _create(request: Request, fmt: str, fields: list[tuple[str, str]], idempotency_key: str | None) -> Response:
    params = dict(fields)
    o311.check_jurisdiction(params, settings_of(request).open311_jurisdiction_id)
    runtime = get_runtime(request)
    with runtime.transaction() as session:
        client = clients.client_for_key(session, params.get("api_key"))
        client_id = client.id if client is not None else None
    if client_id is None:
        raise o311.Open311Error(403, "api_key is missing or not valid; ask the city for a key for your app")
    code = params.get("service_code", "").strip()
    if not code:
        raise o311.Open311Error(400, "service_code is required")
    with runtime.transaction() as session:
        category = o311.category_or_404(session, code)
    description = params.get("description") or ""
    if len(description) > o311.MAX_DESCRIPTION:
        raise o311.Open311Error(
            400, f"description is {len(description)} characters; at most {o311.MAX_DESCRIPTION} are allowed"
        )
    email = (params.get("email") or "").strip() or None
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise o311.Open311Error(400, "email is not a valid email address") from None
    name = " ".join(
        part for part in (params.get("first_name", "").strip(), params.get("last_name", "").strip()) if part
    )
    key = checked_key(idempotency_key) if idempotency_key is not None else None
    fingerprint = request_hash(fmt, *sorted(f"{k}={v}" for k, v in fields))

    def produce(session: Session) -> StoredAnswer:
        lat_raw, lon_raw = params.get("lat"), params.get("long")
        address = (params.get("address_string") or "").strip() or None
        if lat_raw and lon_raw:
            try:
                lat, lon = float(lat_raw), float(lon_raw)
            except ValueError:
                raise o311.Open311Error(400, "lat and long must be decimal degrees (WGS84)") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise o311.Open311Error(400, "lat and long are out of range")
        elif address:
            lat, lon, _ = o311.street_by_address(session, address)
        elif params.get("address_id"):
            lat, lon = o311.street_by_id(session, params["address_id"])
        else:
            raise o311.Open311Error(400, "a location is required: lat and long, address_string or address_id")
        report = reports.file_report(
            session,
            street_index_of(get_runtime(request), StreetCopy),
            reports.policy_from(settings_of(request)),
            reports.NewReport(
                category=category.code,
                lat=lat,
                lon=lon,
                description=description,
                email=email,
                name=name[:200] or None,
                phone=(params.get("phone") or "").strip()[:50] or None,
                source="open311",
                attributes=_attributes(fields),
                media_url=(params.get("media_url") or "").strip()[:500] or None,
                address=address[:300] if address else None,
                api_client_id=client_id,
                answer_language=o311.requested_language(params, request.headers.get("accept-language")),
            ),
            notifier_of(request),
        )
        # the specification returns the id or a token; every service here is `realtime`: the id
        item = {
            "service_request_id": str(report.id),
            "service_notice": o311.service_notice(category),
            "account_id": None,
        }
        response = render(fmt, "service_requests", [item], 201)
        return StoredAnswer(201, str(response.media_type), bytes(response.body).decode())

    return idempotency.answer_once(request, f"open311:{client_id}", key, fingerprint, produce)


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request) -> Response:
    """Create a service request (form-encoded, as the specification sends it)."""
    if fmt not in FORMATS:
        return errors("json", 404, f"format {fmt!r} is not supported; use .json or .xml")
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
        return errors(
            fmt,
            400,
            f"the body is {content_type}; GeoReport v2 sends it form-encoded "
            "(Content-Type: application/x-www-form-urlencoded), e.g. api_key=…&service_code=…&lat=…&long=…",
        )
    try:
        form = await request.form()
    except Exception:
        return errors(fmt, 400, "the body must be application/x-www-form-urlencoded")
    fields = [(k, clean_text(v)) for k, v in request.query_params.multi_items()]
    fields += [(k, clean_text(v)) for k, v in form.multi_items() if isinstance(v, str)]
    key = request.headers.get("idempotency-key")
    return await run_in_threadpool(_answer, fmt, lambda: _create(request, fmt, fields, key))


@router.api_route("/{anything:path}", methods=["GET", "POST"], include_in_schema=False)
def not_found(anything: str) -> Response:
    fmt = anything.rsplit(".", 1)[-1] if "." in anything else "json"
    return errors(fmt, 404, f"/open311/v2/{anything} is not a GeoReport v2 resource; start from discovery.json")
