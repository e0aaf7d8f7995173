"""idempotency answers in the kernel's table: the route they answered, scopes as long as elsewhere

Reports now uses the kernel's one Idempotency-Key implementation (kernel.idempotency);
its answers were already kept as sent ({"text": …} and their media type).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.add_column(sa.Column("route", sa.String(length=300), nullable=False, server_default=""))
        batch_op.alter_column("scope", existing_type=sa.String(length=80), type_=sa.String(length=120))
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.alter_column("route", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.alter_column("scope", existing_type=sa.String(length=120), type_=sa.String(length=80))
        batch_op.drop_column("route")
