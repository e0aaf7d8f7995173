"""The estimator on constructed histories, and the CROW level mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.planning.estimator import (
    StreetEstimate,
    expected_level,
    expected_shortfall,
    observe_inspection,
    observe_pick,
    observe_quiet,
    observe_report,
    observe_visit,
    predict,
    prior,
    probability_below_target,
)
from services.scheduling.planning.levels import (
    DEFAULT_TARGET,
    Level,
    level_from_litter,
    litter_interval,
    litter_upper_bound,
)

T0 = datetime(2025, 5, 5, 8, 0, tzinfo=UTC)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_levels_map_to_one_unit_bands() -> None:
    assert [level_from_litter(x) for x in (0.0, 0.99, 1.0, 2.5, 3.0, 4.0, 9.0, -1.0)] == [
        Level.A_PLUS,
        Level.A_PLUS,
        Level.A,
        Level.B,
        Level.C,
        Level.D,
        Level.D,
        Level.A_PLUS,
    ]
    assert DEFAULT_TARGET is Level.B
    assert litter_upper_bound(Level.B) == 3.0
    assert litter_upper_bound(Level.D) == float("inf")
    assert litter_interval(Level.C) == (3.0, 4.0)
    assert Level.parse("a+") is Level.A_PLUS
    assert Level.C.is_worse_than(Level.B)


def test_three_reports_in_two_days_end_below_target() -> None:
    estimate = prior("residential", 200, T0)
    for hours in (0, 20, 44):
        estimate = observe_report(estimate, T0 + timedelta(hours=hours), severity=1)
    assert expected_level(estimate, days(2)).is_worse_than(DEFAULT_TARGET)
    assert probability_below_target(estimate, days(2)) > 0.5


def test_duplicate_reports_are_not_counted_twice() -> None:
    once = observe_report(prior("default", 100, T0), days(0.1), severity=2)
    again = observe_report(once, days(0.2), severity=2, duplicate=True)
    assert again.mean_litter == pytest.approx(predict(once, days(0.2)).mean_litter)
    assert again.var_litter == pytest.approx(predict(once, days(0.2)).var_litter)


def test_heavier_reports_say_more() -> None:
    base = prior("default", 100, T0)
    light = observe_report(base, T0, severity=1)
    heavy = observe_report(base, T0, severity=3)
    assert heavy.mean_litter > light.mean_litter > base.mean_litter


def test_street_picked_weekly_stays_at_or_above_target() -> None:
    estimate = prior("shopping", 200, T0)
    for week in range(12):
        picked_at = days(7 * week)
        estimate = observe_pick(estimate, picked_at, bags=1.0, minutes=30)
        if week >= 1:
            # just before the next pick, the street still meets its target
            just_before = picked_at + timedelta(days=6.9)
            assert not expected_level(estimate, just_before).is_worse_than(DEFAULT_TARGET)


def test_bags_teach_the_street_its_own_rate() -> None:
    dirty = clean = prior("default", 400, T0)
    for week in range(8):
        dirty = observe_pick(dirty, days(7 * week), bags=6, minutes=30)
        clean = observe_pick(clean, days(7 * week), bags=0.3, minutes=30)
    assert dirty.rate_mean > clean.rate_mean


def test_inspection_pulls_the_estimate_to_the_measured_level() -> None:
    estimate = predict(prior("default", 100, T0), days(20))
    assert expected_level(estimate, days(20)) is Level.D
    inspected = observe_inspection(estimate, days(20), Level.A)
    assert expected_level(inspected, days(20)) is Level.A
    assert inspected.var_litter < estimate.var_litter


def test_uncertainty_grows_with_time() -> None:
    estimate = observe_visit(prior("default", 100, T0), T0)
    variances = [predict(estimate, days(d)).var_litter for d in (0, 1, 3, 7)]
    assert variances == sorted(variances)
    assert variances[-1] > variances[0]


def test_visit_resets_litter_near_zero() -> None:
    dirty = predict(prior("default", 100, T0), days(30))
    cleaned = observe_visit(dirty, days(30))
    assert cleaned.mean_litter < 1.0
    assert expected_level(cleaned, days(30)) is Level.A_PLUS


def test_quiet_weeks_are_weak_evidence_of_less_litter() -> None:
    start = observe_visit(prior("default", 100, T0), T0)
    quiet = start
    for day in range(1, 8):
        quiet = observe_quiet(quiet, days(day))
    predicted = predict(start, days(7))
    assert quiet.mean_litter < predicted.mean_litter
    assert quiet.mean_litter > predicted.mean_litter - 1.0  # weak, not a reset


def test_expected_shortfall_grows_with_litter() -> None:
    estimate = prior("default", 100, T0)
    assert expected_shortfall(estimate, days(1)) < expected_shortfall(estimate, days(10))


def test_round_trips_through_a_dict() -> None:
    estimate = observe_report(prior("park", 321, T0), days(1), 2)
    assert StreetEstimate.from_dict(estimate.to_dict()) == estimate
