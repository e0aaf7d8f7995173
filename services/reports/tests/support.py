"""Helpers for the reports service tests: the service on a migrated database with a few real streets."""

from __future__ import annotations

import io
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import CursorResult, text

from kernel.auth import SERVICE_TOKEN_HEADER, Role, issue_token
from kernel.events import StreetChanged, new_event
from kernel.handlers import ServiceEventHandlers
from kernel.mail import caught_mail
from services.reports import admin
from services.reports.app import create_app
from services.reports.handlers import make_events
from services.reports.reports.models import Report
from services.reports.settings import ReportsSettings
from tests.smtp_catcher import smtp_catcher

# Two parallel streets ~110 m apart in central Helsinki, and a third one far away.
STREETS = [
    (1, "Mannerheimintie", [(24.9400, 60.1700), (24.9410, 60.1700), (24.9420, 60.1700)]),
    (2, "Aleksanterinkatu", [(24.9400, 60.1710), (24.9410, 60.1710), (24.9420, 60.1710)]),
    (3, "Hämeentie", [(24.9700, 60.1900), (24.9720, 60.1900)]),
]
ON_STREET_1 = (60.17001, 24.94100)


def open311_form(api_key: str, /, **fields: str | None) -> dict[str, str]:
    """An Open311 service request for litter on street 1, sent with `api_key`; `fields` add or
    replace form fields, and a field given as None is left out."""
    form = {"api_key": api_key, "service_code": "litter", "lat": str(ON_STREET_1[0]), "long": str(ON_STREET_1[1])}
    return {name: value for name, value in {**form, **fields}.items() if value is not None}


@dataclass
class ReportsEnv:
    settings: ReportsSettings
    client: TestClient
    events: ServiceEventHandlers
    api_key: str

    def sql(self, statement: str, **params: Any) -> list[Any]:
        with self.events.runtime.transaction() as session:
            result = session.execute(text(statement), params)
            assert isinstance(result, CursorResult)  # what a textual statement gives
            return list(result.fetchall()) if result.returns_rows else []

    def token(self, role: Role, subject: str = "staff:1") -> dict[str, str]:
        value, _ = issue_token(self.settings.token_secret, subject, role, 600)
        return {"Authorization": f"Bearer {value}"}

    def outbox_types(self) -> list[str]:
        return [row[0] for row in self.sql("SELECT event_type FROM outbox ORDER BY created_at")]

    def mails(self) -> list[str]:
        """What the real SMTP server received, oldest first, as headers + body."""
        caught = reversed(caught_mail(self.settings.mail_catcher_dir, limit=10_000))
        return ["".join(f"{k}: {v}\n" for k, v in m.headers.items()) + "\n" + m.body for m in caught]

    def file(self, **overrides: Any) -> dict[str, Any]:
        body = {"category": "litter", "lat": ON_STREET_1[0], "lon": ON_STREET_1[1], "description": "cans"}
        body.update(overrides)
        answer = self.client.post("/api/v1/reports/reports", json=body)
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result


def street_event(street_id: int, name: str, coordinates: list[tuple[float, float]]) -> dict[str, Any]:
    data = StreetChanged(
        street_id=street_id,
        external_id=f"test/{street_id}",
        name=name,
        district="Centre",
        length_m=100.0,
        coordinates=coordinates,
    )
    return new_event("street.registered", "scheduling", data).model_dump(mode="json")


def jpeg_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    """A real JPEG whose EXIF carries a GPS position, a camera make and an owner name."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCamera"  # Make
    exif[0x013B] = "Jane Resident"  # Artist
    gps = {1: "N", 2: (60.0, 10.0, 1.5), 3: "E", 4: (24.0, 56.0, 2.5), 29: "2024:05:01"}
    exif[0x8825] = gps  # GPSInfo IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def running_reports(migrated: dict[str, Any], tmp_path: Path) -> Generator[ReportsEnv]:
    """The reports service on the `migrated` database, three streets copied in, an Open311 key issued,
    mail delivered to a real SMTP server (aiosmtpd) in the committing thread."""
    with smtp_catcher(tmp_path / "caught") as catcher:
        settings = migrated["reports"].model_copy(
            update={
                "photo_dir": str(tmp_path / "photos"),
                "smtp_url": catcher.url,
                "mail_catcher_dir": str(catcher.maildir),
                "mail_deliver_inline": True,
                "public_base_url": "https://streetcare.example",
            }
        )
        service_events = make_events(lambda: settings)
        for street_id, name, coordinates in STREETS:
            service_events.consume(street_event(street_id, name, coordinates))
        api_key = admin.ensure_api_client("test app", settings=settings)
        try:
            with TestClient(create_app(settings), headers={SERVICE_TOKEN_HEADER: settings.service_token}) as client:
                yield ReportsEnv(settings, client, service_events, api_key)
        finally:
            service_events.close()


def set_report(env: ReportsEnv, report_id: int, **values: datetime | None) -> None:
    """Move a report's timestamps (created_at, resolved_at) into the past, through the ORM."""
    with env.events.runtime.transaction() as session:
        report = session.get(Report, report_id)
        assert report is not None
        for name, value in values.items():
            setattr(report, name, value.astimezone(UTC) if value is not None else None)
