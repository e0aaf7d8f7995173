"""The volunteers service: accounts, teams, adoptions, clean-ups, picks and bag pick-ups."""

from __future__ import annotations

from fastapi import FastAPI

from kernel.service_app import create_service_app
from kernel.street_copy import copy_readiness, street_index_of
from services.volunteers.accounts import api as accounts_api
from services.volunteers.adoptions import api as adoptions_api
from services.volunteers.bags import api as bags_api
from services.volunteers.database import OutboxMessage, StreetCopy
from services.volunteers.impact import api as impact_api
from services.volunteers.leaving import api as leaving_api
from services.volunteers.mail import api as mail_api
from services.volunteers.mail import unsubscribe_api
from services.volunteers.picks import api as picks_api
from services.volunteers.sessions import api as sessions_api
from services.volunteers.settings import VolunteersRuntime, VolunteersSettings
from services.volunteers.streets import api as streets_api
from services.volunteers.teams import api as teams_api


def _on_start(runtime: VolunteersRuntime) -> None:
    street_index_of(runtime, StreetCopy)


def create_app(settings: VolunteersSettings | None = None) -> FastAPI:
    return create_service_app(
        service="volunteers",
        title="Streetcare volunteers",
        settings=settings or VolunteersSettings(),
        outbox_model=OutboxMessage,
        routers=[
            accounts_api.router,
            unsubscribe_api.router,
            accounts_api.internal_router,
            streets_api.router,
            teams_api.router,
            leaving_api.router,
            adoptions_api.router,
            sessions_api.router,
            picks_api.router,
            bags_api.router,
            impact_api.router,
            mail_api.router,
        ],
        on_start=_on_start,
        readiness=[copy_readiness(StreetCopy)],
    )
