"""Outbox housekeeping: the purge that beat runs for every service (tests/test_workers_schedule.py)
removes confirmed rows after the retention window, nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from kernel.events import ReportFiled
from kernel.outbox import record_event
from services.reports.database import OutboxMessage
from services.reports.handlers import make_events


def report_filed(report_id: int) -> ReportFiled:
    now = datetime.now(UTC)
    return ReportFiled(report_id=report_id, street_id=1, category="litter", severity=2, lat=60, lon=24, filed_at=now)


def broker_away(_envelopes: Sequence[dict[str, Any]]) -> None:
    raise ConnectionError("the broker is away")


def test_only_confirmed_rows_older_than_the_retention_window_are_purged(migrated: dict[str, Any]) -> None:
    """A row published but never confirmed by its subscriber may still have to be sent again: kept."""
    settings = migrated["reports"]
    handlers = make_events(lambda: settings)
    try:
        runtime = handlers.runtime
        runtime.relay.send = broker_away  # the rows stay unpublished until the test says otherwise
        ids = {}
        with runtime.transaction() as session:
            names = (("old_published", 1), ("new_published", 2), ("old_unpublished", 3), ("old_unconfirmed", 4))
            for name, number in names:
                ids[name] = record_event(session, OutboxMessage, "reports", "report.filed", report_filed(number))
        now = datetime.now(UTC)
        ages = {"old_published": (now - timedelta(days=8), True), "new_published": (now - timedelta(days=1), True)}
        ages["old_unpublished"] = (now - timedelta(days=30), False)
        with runtime.transaction() as session:
            for name, (moment, published) in ages.items():
                session.execute(
                    text("UPDATE outbox SET created_at = :at, published_at = :at, confirmed_at = :at WHERE id = :id")
                    if published
                    else text("UPDATE outbox SET created_at = :at, published_at = NULL WHERE id = :id"),
                    {"at": moment, "id": ids[name]},
                )
            session.execute(
                text("UPDATE outbox SET created_at = :at, published_at = :at, confirmed_at = NULL WHERE id = :id"),
                {"at": now - timedelta(days=30), "id": ids["old_unconfirmed"]},
            )
        assert handlers.purge_outbox(timedelta(days=7)) == 1
        with runtime.transaction() as session:
            left = {row[0] for row in session.execute(text("SELECT id FROM outbox"))}
        assert left == {ids["new_published"], ids["old_unpublished"], ids["old_unconfirmed"]}, "purged the wrong rows"
    finally:
        handlers.close()
