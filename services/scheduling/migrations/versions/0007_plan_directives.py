"""dispatcher directives (pin, drop; a move is a pin elsewhere) and bags collected / undo on visits

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_directives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("moved_from", sa.Date(), nullable=True),
        sa.Column("moved_to", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["street_id"], ["streets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_date", "candidate_id", name="uq_plan_directives_date_candidate"),
    )
    op.create_index("ix_plan_directives_plan_date", "plan_directives", ["plan_date"])
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("bags_collected", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("undo", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("undo")
        batch.drop_column("bags_collected")
    op.drop_index("ix_plan_directives_plan_date", table_name="plan_directives")
    op.drop_table("plan_directives")
