"""Operator commands for the reports service (used by the `streetcare` CLI)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from kernel.migrations import upgrade
from kernel.runtime import command_transaction
from services.reports.clients import service as clients
from services.reports.database import OutboxMessage
from services.reports.settings import ReportsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: ReportsSettings | None = None) -> None:
    upgrade(MIGRATIONS, (settings or ReportsSettings()).database_url)


@dataclass(frozen=True)
class ApiClientInfo:
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _transaction(settings: ReportsSettings | None) -> AbstractContextManager[Session]:
    return command_transaction("reports", settings or ReportsSettings(), OutboxMessage)


def issue_api_key(name: str, settings: ReportsSettings | None = None) -> tuple[ApiClientInfo, str]:
    """A new Open311 key for the client app `name`: (the client, the key — shown once)."""
    with _transaction(settings) as session:
        client, key = clients.issue_key(session, name)
        return ApiClientInfo(client.id, client.name, client.created_at, client.revoked_at), key


def list_api_clients(include_revoked: bool = False, settings: ReportsSettings | None = None) -> list[ApiClientInfo]:
    with _transaction(settings) as session:
        return [
            ApiClientInfo(c.id, c.name, c.created_at, c.revoked_at)
            for c in clients.list_clients(session, include_revoked)
        ]


def revoke_api_client(client_id: int, settings: ReportsSettings | None = None) -> ApiClientInfo:
    with _transaction(settings) as session:
        client = clients.revoke_by_id(session, client_id)
        return ApiClientInfo(client.id, client.name, client.created_at, client.revoked_at)


def ensure_api_client(name: str, existing_key: str | None = None, settings: ReportsSettings | None = None) -> str:
    """Return a working Open311 key: the existing one if still valid, else a new one."""
    with _transaction(settings) as session:
        if existing_key and clients.client_for_key(session, existing_key) is not None:
            return existing_key
        _, key = clients.issue_key(session, name)
        return key
