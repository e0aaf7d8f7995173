"""The body of every service's `migrations/env.py`: one place that knows how to run Alembic."""

from __future__ import annotations

from collections.abc import Callable

from alembic import context
from sqlalchemy import MetaData

from kernel.db import make_engine


def run_migrations(metadata: MetaData, configured_url: Callable[[], str]) -> None:
    """Migrate the database the caller named (`migrate()` in code), else the service's configured one."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or configured_url()
    render_as_batch = url.startswith("sqlite")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=render_as_batch)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=render_as_batch)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
