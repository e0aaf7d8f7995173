"""outbox.confirmed_at: a published event is offered again until its subscribers confirm it

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from kernel.migrations import add_outbox_confirmed_at, drop_outbox_confirmed_at

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_confirmed_at()


def downgrade() -> None:
    drop_outbox_confirmed_at()
