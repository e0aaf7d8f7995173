"""idempotency answers kept as sent: their media type, and the body's text

The kernel's one Idempotency-Key implementation (kernel.idempotency) keeps every answer
as it was sent, so a replay is the same bytes: a JSON answer stored before is kept as its text.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from kernel.migrations import idempotency_answers_as_documents, idempotency_answers_as_sent

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    idempotency_answers_as_sent()


def downgrade() -> None:
    idempotency_answers_as_documents()
