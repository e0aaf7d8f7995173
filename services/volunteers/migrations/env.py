import os

from services.volunteers import models_registry
from streetcare.core.alembic_env import run_migrations
from streetcare.core.settings import default_sqlite_url

run_migrations(
    models_registry.metadata(), os.environ.get("VOLUNTEERS_DATABASE_URL") or default_sqlite_url("volunteers")
)
