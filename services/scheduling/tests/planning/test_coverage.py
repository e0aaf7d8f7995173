"""Volunteer coverage rules: kept rhythm, lapse, pause, planned clean-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.scheduling.planning.coverage import (
    KEPT_RHYTHM_PROBABILITY,
    Adoption,
    AdoptionStatus,
    PlannedCleanup,
    Rhythm,
    adoption_coverage,
    street_coverage,
)

DAY = date(2025, 5, 20)
NOON = datetime(2025, 5, 20, 12, tzinfo=UTC)


def adoption(
    last_pick_days_ago: float | None,
    rhythm: Rhythm = Rhythm.WEEKLY,
    status: AdoptionStatus = AdoptionStatus.ACTIVE,
) -> Adoption:
    last = None if last_pick_days_ago is None else NOON - timedelta(days=last_pick_days_ago)
    return Adoption("s1", rhythm, status, started_at=NOON - timedelta(days=200), last_pick_at=last)


def test_kept_rhythm_covers() -> None:
    coverage = street_coverage("s1", DAY, [adoption(3)])
    assert coverage.covered
    assert coverage.probability == KEPT_RHYTHM_PROBABILITY


def test_no_pick_for_more_than_twice_the_rhythm_is_not_covered() -> None:
    assert adoption_coverage(adoption(15), DAY) == 0.0
    assert adoption_coverage(adoption(29, Rhythm.FORTNIGHTLY), DAY) == 0.0
    coverage = street_coverage("s1", DAY, [adoption(15)])
    assert not coverage.covered
    assert "no pick for 15 days" in coverage.notes[0]


def test_overdue_adopters_cover_less_and_less() -> None:
    values = [adoption_coverage(adoption(d), DAY) for d in (5, 9, 11, 13, 14.5)]
    assert values == sorted(values, reverse=True)
    assert values[0] == KEPT_RHYTHM_PROBABILITY and values[-1] == 0.0


def test_adoption_never_picked_counts_from_its_start() -> None:
    fresh = Adoption("s1", Rhythm.MONTHLY, AdoptionStatus.ACTIVE, started_at=NOON - timedelta(days=3))
    stale = Adoption("s1", Rhythm.WEEKLY, AdoptionStatus.ACTIVE, started_at=NOON - timedelta(days=30))
    assert adoption_coverage(fresh, DAY) > 0
    assert adoption_coverage(stale, DAY) == 0.0


def test_paused_and_lapsed_adoptions_do_not_cover() -> None:
    for status in (AdoptionStatus.PAUSED, AdoptionStatus.LAPSED):
        coverage = street_coverage("s1", DAY, [adoption(1, status=status)])
        assert coverage.probability == 0.0
        assert not coverage.covered


def test_two_adopters_cover_better_than_one() -> None:
    one = street_coverage("s1", DAY, [adoption(12)])
    two = street_coverage("s1", DAY, [adoption(12), adoption(12, Rhythm.FORTNIGHTLY)])
    assert two.probability > one.probability


def test_planned_cleanup_covers_its_streets_on_its_date_only() -> None:
    cleanup = PlannedCleanup(frozenset({"s1", "s2"}), DAY, name="Spring clean")
    assert street_coverage("s1", DAY, [], [cleanup]).covered
    assert street_coverage("s2", DAY, [adoption(40)], [cleanup]).covered
    assert not street_coverage("s1", DAY + timedelta(days=1), [], [cleanup]).covered
    assert not street_coverage("s3", DAY, [], [cleanup]).covered


def test_other_streets_adoptions_are_ignored() -> None:
    assert not street_coverage("s2", DAY, [adoption(1)]).covered
