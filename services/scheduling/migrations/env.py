import os

from services.scheduling import models_registry
from streetcare.core.alembic_env import run_migrations
from streetcare.core.settings import default_sqlite_url

run_migrations(
    models_registry.metadata(), os.environ.get("SCHEDULING_DATABASE_URL") or default_sqlite_url("scheduling")
)
