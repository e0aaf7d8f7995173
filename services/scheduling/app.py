"""The scheduling service: street registry, street state, crews and plans."""

from __future__ import annotations

from fastapi import FastAPI

from services.scheduling.database import OutboxMessage
from services.scheduling.settings import SchedulingSettings
from services.scheduling.staff import api as staff_api
from services.scheduling.streets import api as streets_api
from streetcare.core.service_app import create_service_app


def create_app(settings: SchedulingSettings | None = None) -> FastAPI:
    return create_service_app(
        service="scheduling",
        title="Streetcare scheduling",
        settings=settings or SchedulingSettings(),
        outbox_model=OutboxMessage,
        routers=[streets_api.router, staff_api.router, staff_api.internal_router],
    )
