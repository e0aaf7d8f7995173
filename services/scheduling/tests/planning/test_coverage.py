"""Volunteer coverage: the chance of a pick in time, learnt from logged picks with the pledge as prior."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.scheduling.planning.coverage import (
    Adoption,
    AdoptionStatus,
    PlannedCleanup,
    Rhythm,
    adoption_coverage,
    learnt_rhythm,
    street_coverage,
)

DAY = date(2025, 5, 20)
MIDNIGHT = datetime(2025, 5, 20, tzinfo=UTC)
UNTIL = MIDNIGHT + timedelta(days=2)
"""The policy's evaluation time: the end of the day plus one day's look-ahead."""


def adoption(
    last_pick_days_ago: float | None,
    rhythm: Rhythm = Rhythm.WEEKLY,
    status: AdoptionStatus = AdoptionStatus.ACTIVE,
    every: float | None = None,
    picks: int = 8,
) -> Adoption:
    """Adopters who picked every ``every`` days (default: their rhythm), last ``last_pick_days_ago``."""
    if last_pick_days_ago is None:
        return Adoption("s1", rhythm, status, started_at=MIDNIGHT - timedelta(days=200))
    gap = every if every is not None else rhythm.days
    times = tuple(MIDNIGHT - timedelta(days=last_pick_days_ago + k * gap) for k in range(picks))
    return Adoption(
        "s1", rhythm, status, started_at=MIDNIGHT - timedelta(days=200), last_pick_at=times[0], pick_times=times
    )


def test_a_pick_due_in_the_window_covers_the_street() -> None:
    # weekly, last pick 6 days ago: the next one falls inside the next two days
    assert adoption_coverage(adoption(6), DAY, UNTIL) > 0.7
    assert street_coverage("s1", DAY, [adoption(6)], until=UNTIL).covered


def test_right_after_a_pick_the_next_one_is_not_yet_due() -> None:
    assert adoption_coverage(adoption(0.3), DAY, UNTIL) < 0.05


def test_a_missed_rhythm_lowers_coverage_within_a_day() -> None:
    # weekly adopters who picked like clockwork: due on day 7; each day past it costs a lot
    on_time, one_day_late, two_days_late = (adoption_coverage(adoption(d), DAY, UNTIL) for d in (6, 8, 9))
    assert on_time > 0.7
    assert one_day_late < on_time - 0.2
    assert two_days_late < 0.2
    assert adoption_coverage(adoption(15), DAY, UNTIL) < 0.01


def test_the_rhythm_is_learnt_from_the_picks_with_the_pledge_as_prior() -> None:
    # pledged weekly, picks every ten days: the learnt interval moves towards 10
    learnt = learnt_rhythm(adoption(1, every=10.0, picks=10))
    assert 9.0 < learnt.mean_days < 10.0 and learnt.intervals == 9
    # with one pick only, the pledge is all there is
    assert learnt_rhythm(adoption(1, picks=1)).mean_days == 7.0
    # on day 7 after the last pick the weekly pledge expects a pick; these adopters do not, yet
    slow = adoption(7, every=10.0, picks=10)
    assert adoption_coverage(slow, DAY, MIDNIGHT + timedelta(days=1)) < 0.2
    assert adoption_coverage(adoption(9, every=10.0, picks=10), DAY, UNTIL) > 0.6


def test_no_credit_before_a_new_adoptions_first_logged_pick() -> None:
    fresh = Adoption("s1", Rhythm.WEEKLY, AdoptionStatus.ACTIVE, started_at=MIDNIGHT - timedelta(days=6))
    assert adoption_coverage(fresh, DAY, UNTIL) == 0.0
    notes = street_coverage("s1", DAY, [fresh], until=UNTIL).notes
    assert "no pick logged yet" in notes[0]
    first = Adoption(
        "s1",
        Rhythm.WEEKLY,
        AdoptionStatus.ACTIVE,
        started_at=MIDNIGHT - timedelta(days=6),
        last_pick_at=MIDNIGHT - timedelta(days=6),
    )
    assert adoption_coverage(first, DAY, UNTIL) > 0.5


def test_monthly_adopters_cover_only_when_their_pick_is_due() -> None:
    # a monthly pick lands in a two-day window with less certainty than a weekly one
    assert adoption_coverage(adoption(10, Rhythm.MONTHLY), DAY, UNTIL) < 0.05
    assert adoption_coverage(adoption(29, Rhythm.MONTHLY), DAY, UNTIL) > 0.2


def test_paused_and_lapsed_adoptions_do_not_cover() -> None:
    for status in (AdoptionStatus.PAUSED, AdoptionStatus.LAPSED):
        coverage = street_coverage("s1", DAY, [adoption(6, status=status)], until=UNTIL)
        assert coverage.probability == 0.0
        assert not coverage.covered


def test_two_adopters_cover_better_than_one() -> None:
    one = street_coverage("s1", DAY, [adoption(6)], until=UNTIL)
    two = street_coverage("s1", DAY, [adoption(6), adoption(13, Rhythm.FORTNIGHTLY)], until=UNTIL)
    assert two.probability > one.probability


def test_an_overdue_adoption_is_explained_in_a_dispatchers_words() -> None:
    notes = street_coverage("s1", DAY, [adoption(12)], until=UNTIL).notes
    assert notes == ("no pick logged for 12 days on a weekly adoption",)


def test_planned_cleanup_covers_its_streets_on_its_date_only() -> None:
    cleanup = PlannedCleanup(frozenset({"s1", "s2"}), DAY, name="Spring clean")
    assert street_coverage("s1", DAY, [], [cleanup]).covered
    assert street_coverage("s2", DAY, [adoption(40)], [cleanup]).covered
    assert not street_coverage("s1", DAY + timedelta(days=1), [], [cleanup]).covered
    assert not street_coverage("s3", DAY, [], [cleanup]).covered


def test_other_streets_adoptions_are_ignored() -> None:
    assert not street_coverage("s2", DAY, [adoption(6)], until=UNTIL).covered
