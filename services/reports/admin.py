"""Operator commands for the reports service (used by the `streetcare` CLI)."""

from __future__ import annotations

from pathlib import Path

from services.reports.clients import service as clients
from services.reports.database import OutboxMessage
from services.reports.settings import ReportsSettings
from streetcare.core.migrations import upgrade
from streetcare.core.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: ReportsSettings | None = None) -> None:
    upgrade(MIGRATIONS, (settings or ReportsSettings()).database_url)


def ensure_api_client(name: str, existing_key: str | None = None, settings: ReportsSettings | None = None) -> str:
    """Return a working Open311 key: the existing one if still valid, else a new one."""
    runtime = ServiceRuntime.start("reports", settings or ReportsSettings(), OutboxMessage)
    try:
        with runtime.transaction() as session:
            if existing_key and clients.client_for_key(session, existing_key) is not None:
                return existing_key
            _, key = clients.issue_key(session, name)
            return key
    finally:
        runtime.close()
