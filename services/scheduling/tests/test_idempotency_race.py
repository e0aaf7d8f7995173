"""Two identical creating requests with one Idempotency-Key at the same moment (the kernel's one
implementation, kernel.idempotency): one object and one stored answer, and both callers
get the same body — the second is the first's answer replayed, not a 409.

It needs two real connections racing, so it runs on a database of its own (PostgreSQL when one
answers), not inside the rolled-back transaction the other tests share.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from conftest import (
    SERVICE_HEADERS,
    TEST_TOKEN_SECRET,
    database_of_its_own,
    wait_until_a_twin_waits,
)
from kernel.auth import Role, issue_token
from kernel.idempotency import REPLAYED_HEADER
from services.scheduling.app import create_app
from services.scheduling.crews import service as crews

CREW = {
    "name": "Twin crew",
    "size": 2,
    "mode": "foot",
    "depot_lat": 60.17,
    "depot_lon": 24.94,
    "shifts": {"mon": {"start": "07:00", "end": "11:00"}},
}


@pytest.fixture
def own_database(tmp_path: Path, pg_admin_url: str | None, redis_url: str) -> Iterator[Any]:
    with database_of_its_own("scheduling", pg_admin_url, redis_url, tmp_path) as settings:
        yield settings


def test_twins_with_one_key_make_one_crew_and_get_the_same_answer(
    own_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = own_database
    first_at_work = threading.Event()
    made: list[str] = []
    create = crews.create

    def create_while_the_twin_arrives(session: Any, values: dict[str, Any]) -> Any:
        made.append(values["name"])
        first_at_work.set()
        wait_until_a_twin_waits(settings.database_url)
        return create(session, values)

    monkeypatch.setattr(crews, "create", create_while_the_twin_arrives)
    token, _ = issue_token(TEST_TOKEN_SECRET, "staff:1", Role.DISPATCHER, 600)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "twin-request-1"}
    with TestClient(create_app(settings), headers=SERVICE_HEADERS) as client, ThreadPoolExecutor(2) as pool:

        def post() -> Any:
            return client.post("/api/v1/scheduling/crews", json=CREW, headers=headers)

        first = pool.submit(post)
        assert first_at_work.wait(20), "the first request never started its work"
        second = pool.submit(post)
        answers = [first.result(timeout=60), second.result(timeout=60)]

    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    assert [a.headers.get(REPLAYED_HEADER) for a in answers] == [None, "true"]
    assert made == ["Twin crew"], "the work was done once"
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            crews_made = connection.execute(text("SELECT count(*) FROM crews WHERE name = 'Twin crew'")).scalar_one()
            stored = connection.execute(
                text("SELECT status_code, body FROM idempotency_keys WHERE key = 'twin-request-1'")
            ).all()
    finally:
        engine.dispose()
    assert crews_made == 1
    assert len(stored) == 1 and stored[0][0] == 201
