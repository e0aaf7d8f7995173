"""The effort policy: prizes move to streets nobody picks, with reasons a dispatcher reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.scheduling.planning.coverage import Adoption, AdoptionStatus, PlannedCleanup, Rhythm
from services.scheduling.planning.engine import ITERATION_STOP, plan_streets
from services.scheduling.planning.estimator import (
    StreetEstimate,
    days_past_target,
    observe_pick,
    observe_report,
    observe_visit,
    prior,
)
from services.scheduling.planning.levels import Level
from services.scheduling.planning.policy import (
    BagStop,
    BulkyWasteReport,
    PolicyConfig,
    StreetFacts,
    day_candidates,
    horizon_outlook,
    humanize_days,
    stop_candidates,
    street_candidates,
)
from services.scheduling.planning.reasons import Part, english, phrase
from services.scheduling.planning.routing import Crew, CrewMode, StreetCandidate

UTC = UTC
START = datetime(2025, 5, 1, 7, tzinfo=UTC)  # a Thursday
CREW_CAPACITY = 10


def at(day: int, hour: int = 7) -> datetime:
    return START.replace(hour=hour) + timedelta(days=day)


def facts(street_id: str, estimate: StreetEstimate, **extra: object) -> StreetFacts:
    return StreetFacts(street_id, "west", 52.0, 4.0, 200.0, estimate, **extra)  # type: ignore[arg-type]


def rota_street(number: int, day: int) -> StreetFacts:
    """Background streets cleaned by crews on a ten-day rota."""
    last_visit = day - ((day - number) % 10)
    estimate = observe_visit(prior("default", 200, at(last_visit - 30)), at(last_visit))
    return facts(f"rota-{number}", estimate, last_visit_at=at(last_visit))


def volunteer_street(street_id: str, pick_days: list[int], today: int) -> StreetFacts:
    estimate = prior("default", 200, at(-60))
    estimate = observe_visit(estimate, at(-60))
    picks = [d for d in pick_days if d <= today]
    for d in picks:
        estimate = observe_pick(estimate, at(d, 18), bags=1.0, minutes=30)
    last_pick = at(picks[-1], 18) if picks else None
    adoption = Adoption(street_id, Rhythm.WEEKLY, AdoptionStatus.ACTIVE, started_at=at(-60), last_pick_at=last_pick)
    return facts(street_id, estimate, adoptions=(adoption,), last_pick_at=last_pick, last_visit_at=at(-60))


def rank_of(street_id: str, day: int, streets: list[StreetFacts]) -> int | None:
    candidates = street_candidates(streets, (START + timedelta(days=day)).date(), now=at(day, 5))
    ids = [c.id for c in candidates]
    return ids.index(street_id) if street_id in ids else None


def test_reliably_picked_street_stays_off_and_a_stopped_one_comes_on_within_days() -> None:
    weekly = list(range(-56, 60, 7))
    stops_after_day_0 = [d for d in weekly if d <= 0]
    first_on_plan = None
    for day in range(1, 30):
        streets = [rota_street(n, day) for n in range(30)]
        streets.append(volunteer_street("picked", weekly, day))
        streets.append(volunteer_street("stopped", stops_after_day_0, day))
        picked_rank = rank_of("picked", day, streets)
        assert picked_rank is None or picked_rank >= CREW_CAPACITY, f"day {day}: picked street on plan"
        stopped_rank = rank_of("stopped", day, streets)
        if first_on_plan is None and stopped_rank is not None and stopped_rank < CREW_CAPACITY:
            first_on_plan = day
    # weekly pledge: not covered after 14 days; it must be on plans within a few days of that
    assert first_on_plan is not None and first_on_plan <= 17


def test_adopted_and_picked_street_gets_low_prize() -> None:
    day = 20
    picked = volunteer_street("picked", list(range(-56, 30, 7)), day)
    unadopted = facts("plain", picked.estimate)
    by_id = {c.id: c for c in street_candidates([picked, unadopted], at(day).date(), now=at(day, 5))}
    # the weekly pick is due within the evaluated window: the street's prize is net of that chance
    assert by_id.get("picked") is None or by_id["picked"].prize <= 0.6 * by_id["plain"].prize


def test_reason_reads_like_a_dispatcher_would_say_it() -> None:
    now = datetime(2025, 5, 22, 6, tzinfo=UTC)  # Thursday
    last_pick = now - timedelta(days=22)
    estimate = observe_pick(prior("default", 200, last_pick - timedelta(days=7)), last_pick, 1, 30)
    reports = (datetime(2025, 5, 19, 9, tzinfo=UTC), datetime(2025, 5, 20, 17, tzinfo=UTC))  # Monday, Tuesday
    for moment in reports:
        estimate = observe_report(estimate, moment, severity=2)
    street = facts(
        "s1",
        estimate,
        last_pick_at=last_pick,
        report_times=reports,
        adoptions=(Adoption("s1", Rhythm.WEEKLY, AdoptionStatus.ACTIVE, last_pick - timedelta(days=90), last_pick),),
    )
    [candidate] = street_candidates([street], now.date(), now=now)
    assert candidate.reason.startswith("no pick logged for 3 weeks on a weekly adoption; 2 reports since Monday")
    assert "expected level" in candidate.reason
    assert "no crew visit on record" in candidate.reason
    # the same facts as codes and params, for a page to say in its reader's language
    parts = [p.as_dict() for p in candidate.reason_parts]
    assert parts[:3] == [
        {"code": "no_pick_on_adoption", "params": {"days": 22, "rhythm": "weekly"}},
        {"code": "reports_since", "params": {"count": 2, "since": "2025-05-19", "since_days": 3}},
        {"code": "no_visit", "params": {}},
    ]
    assert parts[-1]["code"] == "expected_level" and parts[-1]["params"]["level"] in {"A+", "A", "B", "C", "D"}
    assert phrase(candidate.reason_parts) == candidate.reason


def test_reason_mentions_lapse_pause_inspection_and_cleanup() -> None:
    now = datetime(2025, 5, 22, 6, tzinfo=UTC)
    estimate = prior("shopping", 200, now - timedelta(days=20))
    lapsed = Adoption("a", Rhythm.WEEKLY, AdoptionStatus.LAPSED, now - timedelta(days=90))
    paused = Adoption("b", Rhythm.WEEKLY, AdoptionStatus.PAUSED, now - timedelta(days=90))
    inspection = (now - timedelta(days=3), Level.C)
    streets = [
        facts("a", estimate, adoptions=(lapsed,), last_inspection=inspection),
        facts("b", estimate, adoptions=(paused,), last_visit_at=now - timedelta(days=12)),
    ]
    reasons = {c.id: c.reason for c in street_candidates(streets, now.date(), now=now)}
    assert "adoption lapsed" in reasons["a"] and "inspected C on 19 May" in reasons["a"]
    assert "adopters paused" in reasons["b"] and "last crew visit 12 days ago" in reasons["b"]
    cleanup = PlannedCleanup(frozenset({"a"}), now.date(), "Spring clean")
    with_cleanup = {c.id: c for c in street_candidates(streets, now.date(), now=now, cleanups=[cleanup])}
    without = {c.id: c for c in street_candidates(streets, now.date(), now=now)}
    assert with_cleanup.get("a") is None or with_cleanup["a"].prize < 0.1 * without["a"].prize


def test_plain_stops_need_the_right_mode() -> None:
    now = datetime(2025, 5, 22, 6, tzinfo=UTC)
    bags = [
        BagStop("1", "s1", "west", 52.0, 4.0, 2, now - timedelta(days=1)),
        BagStop("2", "s2", "west", 52.0, 4.0, 8, now - timedelta(hours=2)),
    ]
    bulky = [BulkyWasteReport("9", "s3", "west", 52.0, 4.0, now - timedelta(days=2), "sofa")]
    by_id = {c.id: c for c in stop_candidates(bags, bulky, now)}
    assert by_id["bags:1"].required_mode is CrewMode.FOOT
    assert by_id["bags:2"].required_mode is CrewMode.BULKY_TRUCK
    assert by_id["bulky:9"].required_mode is CrewMode.BULKY_TRUCK
    assert by_id["bags:1"].reason == "2 bags waiting since yesterday"
    assert by_id["bulky:9"].reason.startswith("bulky waste reported")
    assert [p.as_dict() for p in by_id["bags:1"].reason_parts] == [
        {"code": "bags_waiting", "params": {"count": 2, "since": "2025-05-21", "since_days": 1}}
    ]
    assert [p.as_dict() for p in by_id["bulky:9"].reason_parts] == [
        {"code": "bulky_reported_what", "params": {"description": "sofa", "since": "2025-05-20", "since_days": 2}}
    ]
    assert all(phrase(c.reason_parts) == c.reason for c in by_id.values())
    assert all(c.service_seconds for c in by_id.values())
    everything = day_candidates([], now.date(), now, bag_stops=bags, bulky_reports=bulky)
    assert [c.prize for c in everything] == sorted((c.prize for c in everything), reverse=True)


def test_humanized_spans() -> None:
    assert [humanize_days(d) for d in (0.5, 1, 5, 21, 70)] == [
        "less than a day",
        "1 day",
        "5 days",
        "3 weeks",
        "2 months",
    ]


def test_candidates_are_sorted_and_explained() -> None:
    day = date(2025, 5, 10)
    now = datetime.combine(day, time(5), tzinfo=UTC)
    streets = [rota_street(n, 9) for n in range(10)]
    candidates = street_candidates(streets, day, now=now)
    assert candidates and all(c.reason for c in candidates)
    assert [c.prize for c in candidates] == sorted((c.prize for c in candidates), reverse=True)


def test_every_reason_reads_in_english_from_its_parts_as_it_always_has() -> None:
    """A few parts whose English the API has always returned, made from codes and params."""
    said = {
        "adopted 5 days ago, no pick logged yet": Part("adopted_no_pick", {"days": 5}),
        "last volunteer pick less than a day ago": Part("last_volunteer_pick", {"days": 0}),
        "1 report since today": Part("reports_since", {"count": 1, "since": "2025-05-22", "since_days": 0}),
        "3 reports since 2 May": Part("reports_since", {"count": 3, "since": "2025-05-02", "since_days": 20}),
        "inspected C on 19 May": Part("inspected", {"level": "C", "on": "2025-05-19"}),
        "last crew visit 2 months ago": Part("last_visit", {"days": 65}),
        "no bulky_truck crew today": Part("no_crew_of_mode", {"mode": "bulky_truck"}),
        "left out: crews near it are full": Part("left_out", {"why": Part("crews_full")}),
        "moved here by the dispatcher from 2025-05-21": Part("moved_here", {"from": "2025-05-21"}),
    }
    assert {english(part): part for part in said.values()} == said
    nested = Part.from_dict(Part("left_out", {"why": Part("did_not_fit")}).as_dict())
    assert english(nested) == "left out: did not fit in the shifts"


def test_a_street_left_past_its_target_grows_in_worth_with_each_day_it_waits() -> None:
    """Pooling light days into fuller shifts must not leave a lone dirty street waiting forever."""
    today = 10
    long_dirty = facts("long-dirty", observe_visit(prior("default", 200, at(-60)), at(today - 10)))
    just_cleaned = facts("just-cleaned", observe_visit(prior("default", 200, at(-60)), at(today - 1)))
    end_of_day = datetime.combine(at(today).date() + timedelta(days=1), time(), tzinfo=UTC)
    waited = days_past_target(long_dirty.estimate, end_of_day)
    assert waited > 1.0
    assert days_past_target(long_dirty.estimate, end_of_day + timedelta(days=1)) == pytest.approx(
        waited + 1.0, rel=0.05
    )
    assert days_past_target(just_cleaned.estimate, end_of_day) == 0.0

    def prizes(config: PolicyConfig) -> dict[str, float]:
        found = street_candidates([long_dirty, just_cleaned], at(today).date(), now=at(today, 5), config=config)
        return {c.id: c.prize for c in found}

    flat = prizes(PolicyConfig(overdue_growth_per_day=0.0))
    growing = prizes(PolicyConfig(overdue_growth_per_day=1.0))
    assert growing["long-dirty"] == pytest.approx(flat["long-dirty"] * (1.0 + waited))
    assert growing.get("just-cleaned") == flat.get("just-cleaned")


def visited_days_ago(days: int, today: int, lon: float = 4.0) -> StreetFacts:
    estimate = observe_visit(prior("default", 200, at(-60)), at(today - days))
    return StreetFacts(f"visited-{days}", "west", 52.0, lon, 200.0, estimate, last_visit_at=at(today - days))


def test_a_street_coming_due_within_the_horizon_is_offered_today_for_what_cleaning_it_early_saves() -> None:
    """Streets of one area coming due on different days of the horizon can share one area-day."""
    today = 10
    day = at(today).date()
    streets = [visited_days_ago(d, today) for d in range(15)]

    def offered(horizon_days: int) -> dict[str, StreetCandidate]:
        found = street_candidates(streets, day, now=at(today, 5), config=PolicyConfig(horizon_days=horizon_days))
        return {c.id: c for c in found}

    today_only, horizon = offered(1), offered(5)
    coming = sorted(horizon.keys() - today_only.keys(), key=lambda i: int(i.split("-")[1]))
    assert coming, "no street comes due within five days"
    assert today_only.keys() <= horizon.keys()
    ages = [int(i.split("-")[1]) for i in coming]
    due_ages = [int(i.split("-")[1]) for i in today_only]
    assert max(ages) < min(due_ages), "a street coming due is one cleaned more recently than those due"
    cleaning_and_own_trip = 200.0 / 0.5 + PolicyConfig().own_trip_seconds
    prizes = [horizon[i].prize for i in coming]
    assert all(p < cleaning_and_own_trip for p in prizes), "worth less than a trip of its own"
    assert prizes == sorted(prizes), "the sooner it comes due, the more cleaning it now is worth"
    for street_id in coming:
        said = horizon[street_id].reason_parts[0]
        assert said.code == "coming_due" and 1 <= said.params["days"] <= 4
        assert horizon[street_id].reason.startswith(f"comes due in {humanize_days(said.params['days'])}")
    assert "visited-0" not in horizon, "a street cleaned this morning is not coming due"


def test_a_crew_cleaning_a_due_street_takes_the_one_next_door_coming_due_but_makes_no_trip_for_it() -> None:
    """The depot, the street on its way and the due street lie on a line; the far one 1.5 km on."""
    today = 10
    day, now = at(today).date(), at(today, 5)
    config = PolicyConfig(crew_shift_share=0.0)
    ages = range(1, 15)
    coming = [
        c
        for c in street_candidates([visited_days_ago(d, today) for d in ages], day, now=now, config=config)
        if c.reason_parts[0].code == "coming_due"
    ]
    soonest = int(max(coming, key=lambda c: c.prize).id.split("-")[1])
    due = visited_days_ago(14, today, lon=4.0 + 200 / 68_600)
    next_door = replace(visited_days_ago(soonest, today, lon=4.0 + 100 / 68_600), street_id="next-door")
    far_away = replace(visited_days_ago(soonest, today, lon=4.0 + 1_500 / 68_600), street_id="far-away")
    crew = Crew("west", "West", 2, CrewMode.FOOT, 52.0, 4.0, at(today), at(today) + timedelta(hours=8))
    planned = plan_streets([due, next_door, far_away], day, now, [crew], stop=ITERATION_STOP, config=config).plan
    visited = {v.street_id for route in planned.routes.values() for v in route.visits}
    assert visited == {"visited-14", "next-door"}
    assert {d.candidate_id for d in planned.dropped} == {"far-away"}


def test_the_horizon_outlook_counts_each_street_not_planned_today_on_the_day_it_comes_due() -> None:
    today = 10
    day, now = at(today).date(), at(today, 5)
    streets = [replace(visited_days_ago(d, today), district=f"d{d}") for d in range(15)]
    outlook = horizon_outlook(streets, day, now, planned={"visited-14"})
    assert [on for on, _ in outlook] == [day + timedelta(days=k) for k in range(1, 5)]
    due_on = {row.district: k for k, (_, rows) in enumerate(outlook, start=1) for row in rows}
    assert "d14" not in due_on, "planned today, cleaned today"
    assert due_on["d13"] == 1, "due today and left for later: due tomorrow"
    assert "d0" not in due_on, "cleaned this morning: not due again within the horizon"
    ages = sorted(due_on, key=lambda d: -int(d[1:]))
    assert [due_on[d] for d in ages] == sorted(due_on[d] for d in ages), "the fresher, the later it comes due"
    assert max(due_on.values()) > 1
    for _, rows in outlook:
        for row in rows:
            assert row.streets == 1 and row.hours == pytest.approx((400 + PolicyConfig().own_trip_seconds) / 3600)


def test_a_street_its_adopter_may_pick_before_it_comes_due_is_not_taken_early() -> None:
    today = 10
    day, now = at(today).date(), at(today, 5)
    unadopted = visited_days_ago(4, today)
    picked_weekly = volunteer_street("weekly", sorted(today - 1 - 7 * k for k in range(8)), today)
    adoptions = tuple(replace(a, street_id="adopted") for a in picked_weekly.adoptions)
    adopted = replace(unadopted, street_id="adopted", adoptions=adoptions, last_pick_at=picked_weekly.last_pick_at)
    found = {c.id: c for c in street_candidates([unadopted, adopted], day, now=now)}
    assert found["visited-4"].reason_parts[0].code == "coming_due"
    assert "adopted" not in found or found["adopted"].reason_parts[0].code != "coming_due"
