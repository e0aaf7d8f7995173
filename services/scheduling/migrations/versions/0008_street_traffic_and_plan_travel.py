"""streets.oneway / streets.drivable (travel along the street network) and plan_versions.travel

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("streets") as batch:
        batch.add_column(sa.Column("oneway", sa.SmallInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("drivable", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("plan_versions") as batch:
        batch.add_column(sa.Column("travel", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("travel")
    with op.batch_alter_table("streets") as batch:
        batch.drop_column("drivable")
        batch.drop_column("oneway")
