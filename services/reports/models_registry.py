"""Imports every model module so Alembic and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from services.reports import database
from services.reports.categories import models as category_models
from services.reports.clients import models as client_models
from services.reports.idempotency import models as idempotency_models
from services.reports.inspections import models as inspection_models
from services.reports.photos import models as photo_models
from services.reports.reports import models as report_models

MODEL_MODULES = (category_models, report_models, client_models, idempotency_models, photo_models, inspection_models)


def metadata() -> MetaData:
    return database.Base.metadata
