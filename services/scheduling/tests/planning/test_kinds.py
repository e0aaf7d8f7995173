"""One definition of street kinds: every kind the importer assigns is known to the estimator."""

from __future__ import annotations

from datetime import UTC, datetime

from services.scheduling.planning.estimator import STREET_KIND_RATES, prior
from services.scheduling.planning.kinds import DEFAULT_KIND, IMPORTED_KINDS, KINDS
from services.scheduling.streets import importer


def test_every_imported_kind_has_its_own_build_up_rate() -> None:
    assert importer.STREET_KINDS == IMPORTED_KINDS and importer.DEFAULT_KIND == DEFAULT_KIND
    for kind in IMPORTED_KINDS:
        assert kind in STREET_KIND_RATES, f"{kind} would fall back to the city's default"
        assert STREET_KIND_RATES[kind] == (KINDS[kind].build_up_per_day, KINDS[kind].build_up_spread)


def test_pedestrian_streets_start_dirtier_than_residential_ones() -> None:
    at = datetime(2025, 5, 1, tzinfo=UTC)
    assert prior("pedestrian", 200, at).rate_mean > prior("residential", 200, at).rate_mean
