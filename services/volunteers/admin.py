"""Operator commands for the volunteers service (used by the `streetcare` CLI)."""

from __future__ import annotations

from pathlib import Path

from kernel.migrations import upgrade
from kernel.runtime import command_transaction
from services.volunteers.accounts import service as accounts
from services.volunteers.database import OutboxMessage
from services.volunteers.settings import VolunteersSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: VolunteersSettings | None = None) -> None:
    upgrade(MIGRATIONS, (settings or VolunteersSettings()).database_url)


def ensure_volunteer(email: str, name: str, password: str, settings: VolunteersSettings | None = None) -> None:
    with command_transaction("volunteers", settings or VolunteersSettings(), OutboxMessage) as session:
        accounts.ensure_volunteer(session, display_name=name, email=email, password=password)
