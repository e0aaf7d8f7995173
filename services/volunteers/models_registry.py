"""Imports every model module so Alembic and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from services.volunteers import database
from services.volunteers.accounts import models as account_models
from services.volunteers.adoptions import models as adoption_models
from services.volunteers.bags import models as bag_models
from services.volunteers.idempotency import models as idempotency_models
from services.volunteers.picks import models as pick_models
from services.volunteers.sessions import models as session_models
from services.volunteers.teams import models as team_models

MODEL_MODULES = (
    account_models,
    team_models,
    adoption_models,
    session_models,
    pick_models,
    bag_models,
    idempotency_models,
)


def metadata() -> MetaData:
    return database.Base.metadata
