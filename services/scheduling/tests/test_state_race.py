"""Two consumers' batches that meet on a street's first events both commit.

Street state rows are made on a street's first event. Two worker threads applying batches that
both touch a street nobody had written about made the row twice: the second INSERT waited for the
first transaction and then failed on the key, which failed its whole batch (every event in it was
then applied again one at a time). It needs two real connections racing, so it runs on a database
of its own (PostgreSQL when one answers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from conftest import database_of_its_own, wait_until_a_twin_waits
from kernel.db import make_engine, make_session_factory
from services.scheduling.admin import load_demo_city
from services.scheduling.state import service as state
from services.scheduling.state.models import EstimateSnapshot, StreetState
from services.scheduling.streets.models import Street


@pytest.fixture
def own_database(tmp_path: Path, pg_admin_url: str | None, redis_url: str) -> Iterator[Any]:
    with database_of_its_own("scheduling", pg_admin_url, redis_url, tmp_path) as settings:
        yield settings


def test_two_transactions_that_meet_on_a_streets_first_event_both_commit(own_database: Any) -> None:
    settings = own_database
    assert load_demo_city(settings) is not None
    engine = make_engine(settings.database_url, pool_size=2)
    factory = make_session_factory(engine)
    try:
        with factory() as session:  # a street nobody has written about yet
            street_id = session.scalars(select(Street.id).order_by(Street.id).limit(1)).one()
            session.execute(delete(EstimateSnapshot).where(EstimateSnapshot.street_id == street_id))
            session.execute(delete(StreetState).where(StreetState.street_id == street_id))
            session.commit()
        first = factory()
        street = first.get(Street, street_id)
        assert street is not None
        state.ensure_state(first, street)  # made, not yet committed: the row's key is held
        outcome: dict[str, Any] = {}

        def second_batch() -> None:
            with factory() as session:
                try:
                    found = session.get(Street, street_id)
                    assert found is not None
                    state.ensure_state(session, found)
                    session.commit()
                    outcome["committed"] = True
                except Exception as exc:  # what the test reports
                    outcome["error"] = f"{type(exc).__name__}: {exc}"[:300]

        twin = threading.Thread(target=second_batch)
        twin.start()
        wait_until_a_twin_waits(settings.database_url)
        first.commit()
        first.close()
        twin.join(timeout=60)
        assert not twin.is_alive()
        assert outcome == {"committed": True}
        with factory() as session:
            rows = session.scalar(select(func.count()).where(StreetState.street_id == street_id))
            priors = session.scalar(
                select(func.count()).where(EstimateSnapshot.street_id == street_id, EstimateSnapshot.cause == "prior")
            )
        assert (rows, priors) == (1, 1)
    finally:
        engine.dispose()
