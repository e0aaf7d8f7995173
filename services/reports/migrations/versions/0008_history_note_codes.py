"""report_history.note_code and note_params: the service's own notes carry a code, for the pages to
say them in the reader's language; the notes written before are given theirs from their English text

Revision ID: 0008
Revises: 0007
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the English notes the service wrote until now → their code (frozen here: services/reports/reports/notes.py
# may word them differently later)
CODE_OF_TEXT = {
    "report received": "received",
    "the city has seen the report": "acknowledged",
    "a crew is scheduled": "scheduled",
    "the city cleaned it": "resolved",
    "the report is open again": "open_again",
    "the reporter says it is not clean": "reopened_by_reporter",
    "withdrawn by the reporter": "withdrawn_by_reporter",
    "a city crew cleaned the street": "crew_cleaned",
}
DUPLICATE = re.compile(r"same as report (\d+) nearby")


def upgrade() -> None:
    with op.batch_alter_table("report_history") as batch:
        batch.add_column(sa.Column("note_code", sa.String(40), nullable=True))
        batch.add_column(sa.Column("note_params", sa.JSON(), nullable=True))
    history = sa.table(
        "report_history",
        sa.column("id", sa.Integer),
        sa.column("note", sa.String),
        sa.column("note_code", sa.String),
        sa.column("note_params", sa.JSON),
    )
    connection = op.get_bind()
    for row_id, text in connection.execute(sa.select(history.c.id, history.c.note)).fetchall():
        duplicate = DUPLICATE.fullmatch(text or "")
        if duplicate:
            values = {"note_code": "duplicate", "note_params": {"report": int(duplicate.group(1))}}
        elif text in CODE_OF_TEXT:
            values = {"note_code": CODE_OF_TEXT[text]}
        else:
            continue
        connection.execute(history.update().where(history.c.id == row_id).values(**values))


def downgrade() -> None:
    with op.batch_alter_table("report_history") as batch:
        batch.drop_column("note_params")
        batch.drop_column("note_code")
