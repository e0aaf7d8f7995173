"""The volunteers service: accounts, teams, adoptions, clean-ups, picks and bag pick-ups."""

from __future__ import annotations

from fastapi import FastAPI

from services.volunteers.accounts import api as accounts_api
from services.volunteers.database import OutboxMessage
from services.volunteers.settings import VolunteersSettings
from streetcare.core.service_app import create_service_app


def create_app(settings: VolunteersSettings | None = None) -> FastAPI:
    return create_service_app(
        service="volunteers",
        title="Streetcare volunteers",
        settings=settings or VolunteersSettings(),
        outbox_model=OutboxMessage,
        routers=[accounts_api.router, accounts_api.internal_router],
    )
