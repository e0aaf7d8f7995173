"""Imports every model module so Alembic and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from services.reports import database
from services.reports.clients import models as client_models
from services.reports.reports import models as report_models

MODEL_MODULES = (report_models, client_models)


def metadata() -> MetaData:
    return database.Base.metadata
