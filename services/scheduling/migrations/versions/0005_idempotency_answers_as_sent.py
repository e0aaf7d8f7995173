"""idempotency answers kept as sent: their media type, and the body's text

The kernel's one Idempotency-Key implementation (streetcare.core.idempotency) keeps every answer
as it was sent, so a replay is the same bytes: a JSON answer stored before is kept as its text.

Revision ID: 0005
Revises: 0004
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANSWERS = sa.table("idempotency_keys", sa.column("id", sa.Integer()), sa.column("body", sa.JSON()))


def _rewrite(convert: Callable[[Any], Any]) -> None:
    connection = op.get_bind()
    for row_id, body in connection.execute(sa.select(ANSWERS.c.id, ANSWERS.c.body)).all():
        connection.execute(ANSWERS.update().where(ANSWERS.c.id == row_id).values(body=convert(body)))


def _as_text(body: Any) -> dict[str, str]:
    # what JSONResponse sent: compact separators, UTF-8 as is
    return {"text": json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))}


def _as_document(body: dict[str, str]) -> Any:
    return json.loads(body["text"])


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.add_column(
            sa.Column("media_type", sa.String(length=100), nullable=False, server_default="application/json")
        )
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.alter_column("media_type", server_default=None)
    _rewrite(_as_text)


def downgrade() -> None:
    _rewrite(_as_document)
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.drop_column("media_type")
