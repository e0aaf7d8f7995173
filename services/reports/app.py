"""The reports service: resident reports, Open311, inspections and the report lifecycle."""

from __future__ import annotations

from fastapi import FastAPI

from kernel.service_app import create_service_app
from kernel.street_copy import copy_readiness, street_index_of
from services.reports.categories import api as categories_api
from services.reports.clients import api as clients_api
from services.reports.database import OutboxMessage, StreetCopy
from services.reports.inspections import api as inspections_api
from services.reports.notifications import api as notifications_api
from services.reports.notifications.service import Notifier
from services.reports.open311 import api as open311_api
from services.reports.photos import api as photos_api
from services.reports.photos.storage import storage_for
from services.reports.reports import api as reports_api
from services.reports.reports import service as reports_service
from services.reports.settings import ReportsRuntime, ReportsSettings
from services.reports.statistics import api as statistics_api
from services.reports.streets import api as streets_api


def _on_start(runtime: ReportsRuntime) -> None:
    street_index_of(runtime, StreetCopy)
    runtime.extras["photo_storage"] = storage_for(runtime)
    Notifier.for_runtime(runtime)


def create_app(settings: ReportsSettings | None = None) -> FastAPI:
    return create_service_app(
        service="reports",
        title="Streetcare reports",
        settings=settings or ReportsSettings(),
        outbox_model=OutboxMessage,
        routers=[
            categories_api.router,
            reports_api.router,
            photos_api.router,
            streets_api.router,
            inspections_api.router,
            open311_api.router,
            clients_api.router,
            notifications_api.router,
            statistics_api.router,
        ],
        on_start=_on_start,
        readiness=[copy_readiness(StreetCopy)],
        gauges=[reports_service.measure_overdue],
    )
