"""Operator commands for the scheduling service (used by the `streetcare` CLI)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kernel.auth import Role
from kernel.migrations import upgrade
from kernel.runtime import ServiceRuntime
from services.scheduling.crews import service as crews
from services.scheduling.database import OutboxMessage
from services.scheduling.dirty import service as dirty
from services.scheduling.settings import SchedulingRuntime, SchedulingSettings
from services.scheduling.staff import service as staff
from services.scheduling.streets import service as streets

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: SchedulingSettings | None = None) -> None:
    upgrade(MIGRATIONS, (settings or SchedulingSettings()).database_url)


def _runtime(settings: SchedulingSettings | None) -> SchedulingRuntime:
    settings = settings or SchedulingSettings()
    runtime = ServiceRuntime.start("scheduling", settings, OutboxMessage)
    # no re-plan requests from operator commands (Redis may not run yet): beat's sweep plans them
    dirty.attach(runtime, settings, requester=lambda _days: None)
    return runtime


def import_streets(
    path: Path, settings: SchedulingSettings | None = None, progress: Callable[[str], None] | None = None
) -> streets.ImportResult:
    runtime = _runtime(settings)
    try:
        with runtime.transaction() as session:
            return streets.import_file(session, path, progress)
    finally:
        runtime.close()


def load_demo_city(settings: SchedulingSettings | None = None) -> streets.ImportResult | None:
    runtime = _runtime(settings)
    try:
        with runtime.transaction() as session:
            return streets.load_demo_city_if_empty(session)
    finally:
        runtime.close()


def ensure_staff(email: str, name: str, role: Role, password: str, settings: SchedulingSettings | None = None) -> None:
    runtime = _runtime(settings)
    try:
        with runtime.transaction() as session:
            staff.ensure_staff(session, email=email, name=name, role=role, password=password)
    finally:
        runtime.close()


def seed_demo_crews(settings: SchedulingSettings | None = None) -> int:
    """Demo crews (a foot crew per district, a sweeper per two districts, one bulky-waste truck)
    when the crew table is empty; returns how many were created (0 when crews exist)."""
    runtime = _runtime(settings)
    try:
        with runtime.transaction() as session:
            return crews.seed_demo_crews(session)
    finally:
        runtime.close()
