"""The estimator on constructed histories, and the CROW level mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.planning.estimator import (
    BuildUpEvidence,
    StreetEstimate,
    WeekdayLearner,
    build_up_days,
    build_up_evidence,
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
    weekday_days,
    with_weekday_factors,
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


# --- the weekday factor, the level found on arrival ----------------------------------------

WEEKEND = (0.9, 0.9, 0.9, 0.9, 0.9, 1.25, 1.25)


def test_weekday_days_split_an_interval_by_calendar_day() -> None:
    monday_noon = datetime(2025, 3, 3, 12, tzinfo=UTC)
    spans = weekday_days(monday_noon, monday_noon + timedelta(days=2))
    assert spans == pytest.approx([0.5, 1.0, 0.5, 0, 0, 0, 0])
    assert sum(weekday_days(monday_noon, monday_noon + timedelta(days=10))) == pytest.approx(10.0)


def test_prediction_integrates_the_rate_with_the_weekday_factors() -> None:
    friday = datetime(2025, 3, 7, 0, tzinfo=UTC)
    flat = prior("residential", 200, friday)
    weekend = with_weekday_factors(flat, WEEKEND)
    # Friday → Monday 00:00: one weekday and two weekend days
    monday = friday + timedelta(days=3)
    gained_flat = predict(flat, monday).mean_litter - flat.mean_litter
    gained = predict(weekend, monday).mean_litter - weekend.mean_litter
    assert gained == pytest.approx(gained_flat * (0.9 + 1.25 + 1.25) / 3)
    # over whole weeks the factors average out
    week = friday + timedelta(days=7)
    assert predict(weekend, week).mean_litter == pytest.approx(predict(flat, week).mean_litter)
    assert build_up_days(weekend, monday) == pytest.approx(3.4)


def test_the_learner_recovers_a_weekend_pattern_from_noisy_measurements() -> None:
    import random

    rng = random.Random(7)
    learner = WeekdayLearner()
    start = datetime(2025, 3, 3, 8, tzinfo=UTC)
    for _ in range(1500):
        begin = start + timedelta(days=rng.randrange(0, 56), hours=rng.uniform(7, 18))
        end = begin + timedelta(days=rng.uniform(0.5, 6))
        rate = rng.uniform(0.15, 0.5)
        spans = weekday_days(begin, end)
        built = rate * sum(f * d for f, d in zip(WEEKEND, spans, strict=True)) + rng.gauss(0, 0.3)
        kind = rng.choice(["residential", "shopping"])
        learner = learner.learn(kind, BuildUpEvidence(tuple(spans), built, rate, 0.3**2 / rate**2))
    for kind in ("residential", "shopping"):
        factors = learner.factors(kind)
        assert sum(factors) / 7 == pytest.approx(1.0, abs=1e-3)
        assert min(factors[5:]) > max(factors[:5])
        assert factors[5] == pytest.approx(WEEKEND[5] / (sum(WEEKEND) / 7), abs=0.12)
    # a kind never observed gets the city's factors; nothing observed at all: the prior, 1.0
    assert learner.factors("industrial") == learner.city_factors()
    assert WeekdayLearner().factors("industrial") == (1.0,) * 7
    assert WeekdayLearner.from_dict(learner.to_dict()) == learner
    # an observation taken back (a done undone) is forgotten
    once_more = BuildUpEvidence((1.0, 0.5, 0, 0, 0, 0, 0), 0.4, 0.3, 2.0)
    back = learner.learn("shopping", once_more).learn("shopping", once_more, forget=True)
    assert back.observations() == learner.observations()
    assert back.factors("shopping") == pytest.approx(learner.factors("shopping"), abs=1e-4)


def test_a_measurement_days_after_a_clean_is_evidence_and_a_report_is_not() -> None:
    cleaned = observe_visit(prior("shopping", 200, T0), T0)
    assert cleaned.anchor_at == T0
    inspected = observe_inspection(cleaned, days(3), Level.B)
    evidence = build_up_evidence(cleaned, inspected)
    assert evidence is not None
    assert sum(evidence.days) == pytest.approx(3.0)
    assert evidence.build_up == pytest.approx(2.5 - cleaned.anchor_litter)
    assert build_up_evidence(cleaned, observe_report(cleaned, days(3), 2)) is None
    assert (
        build_up_evidence(prior("shopping", 200, T0), observe_inspection(prior("shopping", 200, T0), T0, Level.B))
        is None
    )
    # an open-ended D says "at least": not used
    assert build_up_evidence(cleaned, observe_inspection(cleaned, days(3), Level.D)) is None


def test_the_level_found_on_arrival_is_read_before_the_clean() -> None:
    estimate = prior("residential", 200, T0)
    dirty = observe_visit(estimate, days(1), level_found=Level.D)
    clean = observe_visit(estimate, days(1), level_found=Level.A)
    assert dirty.measured_litter == pytest.approx(4.75) and clean.measured_litter == pytest.approx(1.5)
    # the crew left 5 % of what it found: more behind on a street found at D
    assert dirty.mean_litter > clean.mean_litter
    # the level teaches the rate too: a street found at D builds up faster than one found at A
    assert dirty.rate_mean > clean.rate_mean


def test_the_estimate_round_trips_through_json_with_its_new_fields() -> None:
    import json

    estimate = observe_inspection(
        with_weekday_factors(observe_visit(prior("main", 120, T0), T0), WEEKEND), days(2), Level.C
    )
    assert StreetEstimate.from_dict(json.loads(json.dumps(estimate.to_dict()))) == estimate
    old_row = {
        k: v
        for k, v in estimate.to_dict().items()
        if k in ("mean_litter", "var_litter", "rate_mean", "rate_var", "as_of")
    }
    assert StreetEstimate.from_dict(old_row).weekday_factors == (1.0,) * 7
