"""The reports service: resident reports, Open311, inspections and the report lifecycle."""

from __future__ import annotations

from fastapi import FastAPI

from services.reports.database import OutboxMessage, StreetCopy
from services.reports.reports import api as reports_api
from services.reports.settings import ReportsSettings
from streetcare.core.runtime import ServiceRuntime
from streetcare.core.service_app import create_service_app
from streetcare.core.street_copy import StreetIndexCache


def _on_start(runtime: ServiceRuntime) -> None:
    runtime.extras["street_index"] = StreetIndexCache(StreetCopy)


def create_app(settings: ReportsSettings | None = None) -> FastAPI:
    return create_service_app(
        service="reports",
        title="Streetcare reports",
        settings=settings or ReportsSettings(),
        outbox_model=OutboxMessage,
        routers=[reports_api.router],
        on_start=_on_start,
    )
