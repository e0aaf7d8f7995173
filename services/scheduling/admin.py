"""Operator commands for the scheduling service (used by the `streetcare` CLI)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy.orm import Session

from kernel.auth import Role
from kernel.migrations import upgrade
from kernel.runtime import command_transaction
from services.scheduling.crews import service as crews
from services.scheduling.database import OutboxMessage
from services.scheduling.dirty import service as dirty
from services.scheduling.settings import SchedulingRuntime, SchedulingSettings
from services.scheduling.staff import service as staff
from services.scheduling.streets import service as streets
from services.scheduling.streets.naming import DEFAULT_DISTRICT_NAMING

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: SchedulingSettings | None = None) -> None:
    upgrade(MIGRATIONS, (settings or SchedulingSettings()).database_url)


def _transaction(settings: SchedulingSettings | None) -> AbstractContextManager[Session]:
    settings = settings or SchedulingSettings()

    def attach(runtime: SchedulingRuntime) -> None:
        # no re-plan requests from operator commands (Redis may not run yet): beat's sweep plans them
        dirty.attach(runtime, settings, requester=lambda _days: None)

    return command_transaction("scheduling", settings, OutboxMessage, prepare=attach)


def import_streets(
    path: Path,
    settings: SchedulingSettings | None = None,
    progress: Callable[[str], None] | None = None,
    district_names: str = DEFAULT_DISTRICT_NAMING,
) -> streets.ImportResult:
    with _transaction(settings) as session:
        return streets.import_file(session, path, progress, district_names)


def load_demo_city(settings: SchedulingSettings | None = None) -> streets.ImportResult | None:
    with _transaction(settings) as session:
        return streets.load_demo_city_if_empty(session)


def ensure_staff(email: str, name: str, role: Role, password: str, settings: SchedulingSettings | None = None) -> None:
    with _transaction(settings) as session:
        staff.ensure_staff(session, email=email, name=name, role=role, password=password)


def seed_demo_crews(settings: SchedulingSettings | None = None) -> int:
    """Demo crews (a foot crew per district, a sweeper per two districts, one bulky-waste truck)
    when the crew table is empty; returns how many were created (0 when crews exist)."""
    with _transaction(settings) as session:
        return crews.seed_demo_crews(session)
