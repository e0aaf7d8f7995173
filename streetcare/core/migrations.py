"""Run a service's Alembic migrations from code (used by `streetcare migrate` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def add_outbox_confirmed_at() -> None:
    """Migration step shared by every service: `outbox.confirmed_at`, set for what was already
    published (those events are settled: nothing may offer them again after the upgrade)."""
    import sqlalchemy as sa
    from alembic import op

    from streetcare.core.db import UTCDateTime

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_unconfirmed", ["confirmed_at", "published_at"], unique=False)
    op.execute("UPDATE outbox SET confirmed_at = published_at WHERE published_at IS NOT NULL")


def drop_outbox_confirmed_at() -> None:
    from alembic import op

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unconfirmed")
        batch_op.drop_column("confirmed_at")
