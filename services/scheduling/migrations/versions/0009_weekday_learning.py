"""the weekday factors' statistics per kind of street, and the CROW level a crew found on a visit

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weekday_learning",
        sa.Column("street_kind", sa.String(length=40), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("street_kind"),
    )
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("level_found", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("level_found")
    op.drop_table("weekday_learning")
