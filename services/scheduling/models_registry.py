"""Imports every model module so Alembic and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from services.scheduling import database
from services.scheduling.crews import models as crew_models
from services.scheduling.dirty import models as dirty_models
from services.scheduling.districts import models as district_models
from services.scheduling.idempotency import models as idempotency_models
from services.scheduling.plans import models as plan_models
from services.scheduling.replan_jobs import models as replan_job_models
from services.scheduling.staff import models as staff_models
from services.scheduling.state import models as state_models
from services.scheduling.streets import models as street_models

MODEL_MODULES = (
    street_models,
    state_models,
    staff_models,
    crew_models,
    district_models,
    plan_models,
    replan_job_models,
    dirty_models,
    idempotency_models,
)


def metadata() -> MetaData:
    return database.Base.metadata
