"""outbox.confirmed_at: a published event is offered again until its subscribers confirm it

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from kernel.migrations import add_outbox_confirmed_at, drop_outbox_confirmed_at

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_confirmed_at()


def downgrade() -> None:
    drop_outbox_confirmed_at()
