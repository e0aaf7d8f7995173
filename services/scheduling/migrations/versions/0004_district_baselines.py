"""district baselines (the average effort) and per-district figures on plan versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "district_baselines",
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("district"),
    )
    with op.batch_alter_table("plan_versions") as batch:
        batch.add_column(sa.Column("districts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("districts")
    op.drop_table("district_baselines")
