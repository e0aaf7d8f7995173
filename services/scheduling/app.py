"""The scheduling service: street registry, street state, crews and plans."""

from __future__ import annotations

import structlog
from fastapi import FastAPI

from kernel.service_app import create_service_app
from services.scheduling.crews import api as crews_api
from services.scheduling.database import OutboxMessage
from services.scheduling.dirty import service as dirty
from services.scheduling.districts import api as districts_api
from services.scheduling.history import api as history_api
from services.scheduling.plans import api as plans_api
from services.scheduling.plans import service as plans_service
from services.scheduling.replan_jobs import api as replan_jobs_api
from services.scheduling.settings import SchedulingRuntime, SchedulingSettings
from services.scheduling.staff import api as staff_api
from services.scheduling.state import api as state_api
from services.scheduling.streets import api as streets_api

log = structlog.get_logger(__name__)


def create_app(settings: SchedulingSettings | None = None) -> FastAPI:
    settings = settings or SchedulingSettings()

    def on_start(runtime: SchedulingRuntime) -> None:
        dirty.attach(runtime, settings)
        try:
            plans_service.request_missing_plans(runtime)
        except Exception as exc:  # not migrated yet, or the broker is away: beat's safety net plans
            log.warning("plans.startup_request_failed", error=str(exc))

    return create_service_app(
        service="scheduling",
        title="Streetcare scheduling",
        settings=settings,
        outbox_model=OutboxMessage,
        routers=[
            streets_api.router,
            state_api.router,
            history_api.router,
            districts_api.router,
            crews_api.router,
            plans_api.router,
            replan_jobs_api.router,
            staff_api.router,
            staff_api.internal_router,
        ],
        on_start=on_start,
    )
