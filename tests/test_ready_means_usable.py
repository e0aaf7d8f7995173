"""A service that cannot place a report (or a pick) on any street is not ready."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.reports.app import create_app as reports_app
from services.reports.handlers import make_events as reports_events
from services.reports.tests.support import STREETS, street_event
from services.volunteers.app import create_app as volunteers_app
from services.volunteers.handlers import make_events as volunteers_events
from streetcare.testing import SERVICE_HEADERS


@pytest.mark.parametrize(
    ("service", "create_app", "make_events"),
    [("reports", reports_app, reports_events), ("volunteers", volunteers_app, volunteers_events)],
)
def test_not_ready_until_the_street_copy_has_arrived(
    migrated: dict[str, Any], service: str, create_app: Any, make_events: Any
) -> None:
    settings = migrated[service]
    with TestClient(create_app(settings), headers=SERVICE_HEADERS) as client:
        empty = client.get("/readyz")
        assert empty.status_code == 503
        assert "street_copy" in empty.json()["problems"] and empty.json()["streets_copied"] == 0
        events = make_events(lambda: settings)
        try:
            for street_id, name, coordinates in STREETS:
                events.consume(street_event(street_id, name, coordinates))
        finally:
            events.close()
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["streets_copied"] == len(STREETS)
