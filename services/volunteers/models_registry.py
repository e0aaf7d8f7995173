"""Imports every model module so Alembic and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from services.volunteers import database
from services.volunteers.accounts import models as account_models

MODEL_MODULES = (account_models,)


def metadata() -> MetaData:
    return database.Base.metadata
