"""Migration 0008 gives the history the service wrote before notes had codes its codes, from the
English text, so the report page says old reports' history in the reader's language too."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, text

from kernel.migrations import upgrade

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_notes_written_before_get_their_code_and_a_persons_words_none(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    upgrade(MIGRATIONS, url, "0007")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for note in (
                "report received",
                "same as report 12 nearby",
                "swept this morning",
                "same as report x nearby",
            ):
                connection.execute(
                    text(
                        "INSERT INTO report_history (report_id, status, note, actor, at) "
                        "VALUES (1, 'open', :note, 'web', '2026-01-05 10:00:00')"
                    ),
                    {"note": note},
                )
        upgrade(MIGRATIONS, url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT note, note_code, note_params FROM report_history ORDER BY id"))
            stored = [
                (note, code, json.loads(params) if isinstance(params, str) else params) for note, code, params in rows
            ]
    finally:
        engine.dispose()
    assert stored == [
        ("report received", "received", None),
        ("same as report 12 nearby", "duplicate", {"report": 12}),
        ("swept this morning", None, None),
        ("same as report x nearby", None, None),
    ]
