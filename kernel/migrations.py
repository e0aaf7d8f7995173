"""Run a service's Alembic migrations from code (used by `streetcare migrate` and the tests), and the
steps the services' own migrations share."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, op
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


# --- steps shared by the services' migrations --------------------------------------------------

_ANSWERS = sa.table("idempotency_keys", sa.column("id", sa.Integer()), sa.column("body", sa.JSON()))


def _rewrite_answers(convert: Callable[[Any], Any]) -> None:
    connection = op.get_bind()
    for row_id, body in connection.execute(sa.select(_ANSWERS.c.id, _ANSWERS.c.body)).all():
        connection.execute(_ANSWERS.update().where(_ANSWERS.c.id == row_id).values(body=convert(body)))


def idempotency_answers_as_sent() -> None:
    """Upgrade step: `idempotency_keys` gets each answer's media type, and a JSON answer stored as
    its document is kept as the text JSONResponse sent (compact separators, UTF-8 as is)."""
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.add_column(
            sa.Column("media_type", sa.String(length=100), nullable=False, server_default="application/json")
        )
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.alter_column("media_type", server_default=None)
    _rewrite_answers(
        lambda body: {"text": json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))}
    )


def idempotency_answers_as_documents() -> None:
    """The downgrade of `idempotency_answers_as_sent`."""
    _rewrite_answers(lambda body: json.loads(body["text"]))
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.drop_column("media_type")


def add_outbox_confirmed_at() -> None:
    """Migration step shared by every service: `outbox.confirmed_at`, set for what was already
    published (those events are settled: nothing may offer them again after the upgrade)."""
    import sqlalchemy as sa
    from alembic import op

    from kernel.db import UTCDateTime

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_unconfirmed", ["confirmed_at", "published_at"], unique=False)
    op.execute("UPDATE outbox SET confirmed_at = published_at WHERE published_at IS NOT NULL")


def drop_outbox_confirmed_at() -> None:
    from alembic import op

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unconfirmed")
        batch_op.drop_column("confirmed_at")
