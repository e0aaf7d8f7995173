from kernel.alembic_env import run_migrations
from services.volunteers import models_registry
from services.volunteers.settings import VolunteersSettings


def configured_url() -> str:
    """For `alembic` run by hand: the service's own setting (VOLUNTEERS_DATABASE_URL, else its SQLite
    file in STREETCARE_VAR_DIR). Migrating needs no secret, so demo mode spares setting them."""
    return VolunteersSettings(demo_mode=True).database_url


run_migrations(models_registry.metadata(), configured_url)
