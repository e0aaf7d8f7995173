"""The routing on small instances with a known optimum and on a generated district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.planning.generated import generate_city
from services.scheduling.planning.routing import (
    NOT_WORTH_IT,
    Crew,
    CrewMode,
    DayPlan,
    SolverStop,
    StreetCandidate,
    plan_day,
)

SHIFT_START = datetime(2025, 5, 6, 7, tzinfo=UTC)
STOP = SolverStop.after_iterations(300, no_improvement=100)
"""An iteration count, not a time budget: the same seed gives the same plan on any machine."""
DEPOT = (52.3700, 4.9000)


def crew(crew_id: str, mode: CrewMode = CrewMode.FOOT, hours: float = 8.0) -> Crew:
    return Crew(crew_id, crew_id.title(), 2, mode, *DEPOT, SHIFT_START, SHIFT_START + timedelta(hours=hours))


def street(
    street_id: str, prize: float, service: int | None = None, north_m: float = 20.0, **extra: object
) -> StreetCandidate:
    return StreetCandidate(
        street_id,
        "centre",
        DEPOT[0] + north_m / 111_320,
        DEPOT[1],
        150.0,
        prize,
        f"reason {street_id}",
        service_seconds=service,
        **extra,  # type: ignore[arg-type]
    )


def assert_valid(plan: DayPlan, candidates: list[StreetCandidate], crews: list[Crew]) -> None:
    by_crew = {c.id: c for c in crews}
    planned = [v.candidate_id for r in plan.routes.values() for v in r.visits]
    assert len(planned) == len(set(planned)), "a street planned twice"
    dropped = [d.candidate_id for d in plan.dropped]
    assert set(planned) | set(dropped) >= {c.id for c in candidates}
    assert not set(planned) & set(dropped)
    for route in plan.routes.values():
        shift = by_crew[route.crew_id]
        assert route.returns_at <= shift.shift_end, f"{route.crew_id} works past its shift"
        etas = [v.eta for v in route.visits]
        assert etas == sorted(etas)
        assert all(shift.shift_start <= eta <= shift.shift_end for eta in etas)
        assert all(v.reason for v in route.visits)


def test_one_crew_four_streets_picks_the_best_pair() -> None:
    # only two fit in an hour; greedy by prize (A, then D) nets 19,000 − 3,500 s, B + C 20,000 − 3,400 s
    candidates = [
        street("A", 15_000, service=2500, north_m=20),
        street("B", 10_000, service=1700, north_m=25),
        street("C", 10_000, service=1700, north_m=-20),
        street("D", 4_000, service=1000, north_m=-25),
    ]
    crews = [crew("solo", hours=1.0)]
    plan = plan_day(candidates, crews, stop=STOP, seed=3)
    assert sorted(plan.routes["solo"].candidate_ids) == ["B", "C"]
    assert plan.prize_collected == 20_000
    assert {d.candidate_id for d in plan.dropped} == {"A", "D"}
    assert_valid(plan, candidates, crews)


def test_everything_fits_when_the_shift_is_long() -> None:
    candidates = [street(s, 5_000, service=600, north_m=n) for s, n in (("a", 10), ("b", 50), ("c", -40))]
    crews = [crew("solo", hours=2.0)]
    plan = plan_day(candidates, crews, stop=STOP)
    assert sorted(plan.routes["solo"].candidate_ids) == ["a", "b", "c"]


def test_stops_go_only_to_crews_of_their_mode() -> None:
    candidates = [
        street("sofa", 5_000, service=900, required_mode=CrewMode.BULKY_TRUCK),
        street("bags", 5_000, service=300, required_mode=CrewMode.FOOT),
        street("plain", 5_000),
    ]
    crews = [crew("walkers"), crew("sweeper", CrewMode.SWEEPER)]
    plan = plan_day(candidates, crews, stop=STOP)
    assert "bags" in plan.routes["walkers"].candidate_ids
    assert "bags" not in plan.routes["sweeper"].candidate_ids
    why = {d.candidate_id: d.why for d in plan.dropped}
    assert why["sofa"] == "no bulky_truck crew today"
    sofa = next(d for d in plan.dropped if d.candidate_id == "sofa")
    assert sofa.why_part is not None and sofa.why_part.as_dict() == {
        "code": "no_crew_of_mode",
        "params": {"mode": "bulky_truck"},
    }


def test_district_of_300_streets_with_three_crews() -> None:
    candidates, crews = generate_city(300, 3, seed=7, day=SHIFT_START)
    fixed = {crews[0].id: candidates[:3]}
    plan = plan_day(candidates, crews, fixed_visits=fixed, stop=STOP, seed=7)
    assert_valid(plan, candidates, crews)
    first = plan.routes[crews[0].id].visits
    assert [v.candidate_id for v in first[:3]] == [c.id for c in candidates[:3]]
    assert all(v.fixed for v in first[:3]) and not any(v.fixed for v in first[3:])
    busy = [r for r in plan.routes.values() if r.visits]
    assert len(busy) == 3
    modes = {c.id: c.mode for c in crews}
    for route in plan.routes.values():
        for visit in route.visits:
            if visit.candidate_id.startswith("bags") and not visit.fixed:
                assert modes[route.crew_id] is CrewMode.FOOT
    assert 0 < plan.prize_collected < plan.prize_available


def test_fixed_visits_that_fill_the_shift_leave_no_room() -> None:
    candidates = [street("x", 5_000, service=600), street("y", 5_000, service=600)]
    crews = [crew("solo", hours=0.25)]
    plan = plan_day(candidates, crews, fixed_visits={"solo": [street("done", 1, service=900)]}, stop=STOP)
    assert plan.routes["solo"].candidate_ids == ("done",)


def test_splitting_keeps_sub_problems_small_and_plans_valid() -> None:
    candidates, crews = generate_city(300, 6, seed=2, day=SHIFT_START)
    plan = plan_day(candidates, crews, stop=STOP, max_clients_per_subproblem=40)
    assert plan.subproblems and max(s.clients for s in plan.subproblems) <= 40
    assert_valid(plan, candidates, crews)


def test_warm_start_lets_urgent_new_work_in() -> None:
    candidates, crews = generate_city(300, 3, seed=4, day=SHIFT_START)
    first = plan_day(candidates, crews, stop=STOP, seed=4)
    median = sorted(c.prize for c in candidates)[len(candidates) // 2]
    urgent = [
        StreetCandidate(f"urgent-{k}", c.district, c.lat + 0.0004, c.lon, 120.0, 10 * median, "3 reports since Monday")
        for k, c in enumerate(candidates[10:20])
    ]
    replanned = plan_day(candidates + urgent, crews, previous_plan=first, stop=STOP, seed=4)
    served = {u.id for u in urgent} & replanned.planned_candidate_ids()
    assert served == {u.id for u in urgent}
    assert any(s.warm_started and s.inserted_by_repair for s in replanned.subproblems)
    assert_valid(replanned, candidates + urgent, crews)


def test_same_seed_same_plan() -> None:
    candidates, crews = generate_city(120, 2, seed=5, day=SHIFT_START)
    one = plan_day(candidates, crews, stop=STOP, seed=5)
    two = plan_day(candidates, crews, stop=STOP, seed=5)
    assert {c: r.candidate_ids for c, r in one.routes.items()} == {c: r.candidate_ids for c, r in two.routes.items()}
    assert one.planned_candidate_ids(), "the generated city has work worth doing"


def test_a_stop_is_a_budget_or_an_iteration_count() -> None:
    with pytest.raises(ValueError):
        SolverStop()
    with pytest.raises(ValueError):
        SolverStop(seconds=1.0, iterations=10)


def test_a_time_budget_also_ends_once_the_solver_stops_improving() -> None:
    patient = SolverStop.after_seconds(600.0).criterion(600.0)
    converging = SolverStop.after_seconds(600.0, no_improvement=5).criterion(600.0)
    # the solver calls its criterion with the best cost after every iteration; it never improves here
    assert not any(patient(100) for _ in range(50)), "a bare budget waits for its ten minutes"
    assert any(converging(100) for _ in range(50)), "five iterations without progress end it"


def test_a_visit_costing_more_than_it_is_worth_is_left_out() -> None:
    # 150 m on foot with two people: 300 s of cleaning; worth 250 s it is not done, worth 5,000 it is
    candidates = [street("cheap", 250.0, north_m=30), street("dear", 5_000.0, north_m=-30)]
    plan = plan_day(candidates, [crew("solo")], stop=STOP)
    assert plan.routes["solo"].candidate_ids == ("dear",)
    assert {d.candidate_id: d.why for d in plan.dropped} == {"cheap": NOT_WORTH_IT}


def test_a_far_street_is_left_out_when_the_walk_costs_more_than_it_is_worth() -> None:
    # 3 km away on foot: ~1 h each way; worth 1,500 s against 300 s cleaning + 2 h walking
    candidates = [street("far", 1_500.0, north_m=3_000), street("near", 1_500.0, north_m=40)]
    plan = plan_day(candidates, [crew("solo")], stop=STOP)
    assert plan.routes["solo"].candidate_ids == ("near",)
    assert "far" in {d.candidate_id for d in plan.dropped}


def test_a_crew_that_is_not_needed_stays_home() -> None:
    candidates = [street(f"s{k}", 3_000.0, north_m=20.0 * k) for k in range(1, 5)]
    crews = [crew("one"), crew("two")]
    plan = plan_day(candidates, crews, stop=STOP, crew_shift_share=1800 / 28800)
    busy = [c for c, r in plan.routes.items() if r.visits]
    assert len(busy) == 1, "one crew does the four streets in well under a shift"
    assert plan.planned_candidate_ids() == {c.id for c in candidates}
    # without a cost per crew-shift, splitting the work is free and proves nothing either way
    free = plan_day(candidates, crews, stop=STOP, crew_shift_share=0.0)
    assert free.planned_candidate_ids() == plan.planned_candidate_ids()


def test_a_crew_stays_home_when_its_work_is_not_worth_its_shift_cost() -> None:
    candidates = [street("small", 900.0, north_m=30)]  # nets 900 − 300 s cleaning − the walk
    plan = plan_day(candidates, [crew("solo")], stop=STOP, crew_shift_share=1800 / 28800)
    assert not plan.routes["solo"].visits
    cheap_shift = plan_day(candidates, [crew("solo")], stop=STOP, crew_shift_share=60 / 28800)
    assert cheap_shift.routes["solo"].candidate_ids == ("small",)


def test_a_crew_on_call_all_day_costs_the_share_of_a_working_day_not_of_its_whole_window() -> None:
    # worth 3 h against 300 s of cleaning: pays a quarter of an 8-hour day (2 h), not of 24 h (6 h)
    candidates = [street("work", 3 * 3600.0, north_m=30)]
    for hours in (8.0, 23.9):
        plan = plan_day(candidates, [crew("solo", hours=hours)], stop=STOP, crew_shift_share=0.25)
        assert plan.routes["solo"].candidate_ids == ("work",), hours
    # the share still holds: at a whole working day the same work does not pay
    dear = plan_day(candidates, [crew("solo", hours=23.9)], stop=STOP, crew_shift_share=1.0)
    assert not dear.routes["solo"].visits


EAST_DEGREES_PER_M = 1 / (111_320 * 0.61)  # degrees of longitude per metre at 52.37° N


def a_sweeper_3_km_east() -> Crew:
    depot = (DEPOT[0], DEPOT[1] + 3000 * EAST_DEGREES_PER_M)
    return Crew("sweeper", "Sweeper", 1, CrewMode.SWEEPER, *depot, SHIFT_START, SHIFT_START + timedelta(hours=8))


def test_a_crew_out_anyway_takes_a_street_its_own_group_would_not_be_sent_for() -> None:
    """The street is nearest the foot crews' depot, but one street does not pay a foot crew's day;
    the sweeper, out for its own work next to it with time to spare, takes it for the detour."""
    east = EAST_DEGREES_PER_M
    walker = crew("walker")
    sweeper = a_sweeper_3_km_east()
    reported = StreetCandidate("reported", "centre", DEPOT[0], DEPOT[1] + 300 * east, 150.0, 1200.0, "3 reports")
    sweeper_work = [
        StreetCandidate(
            f"s{k}",
            "centre",
            DEPOT[0] + 0.0003 * k,
            DEPOT[1] + (350 + 20 * k) * east,
            150.0,
            50_000.0,
            f"sweeper street {k}",
            required_mode=CrewMode.SWEEPER,
        )
        for k in range(3)
    ]
    candidates = [reported, *sweeper_work]
    plan = plan_day(candidates, [walker, sweeper], stop=STOP, crew_shift_share=1800 / 28800)
    assert_valid(plan, candidates, [walker, sweeper])
    assert not plan.routes["walker"].visits  # one street is not worth a foot crew's day
    assert "reported" in plan.routes["sweeper"].candidate_ids
    assert set(plan.routes["sweeper"].candidate_ids) >= {"s0", "s1", "s2"}


def test_a_crew_out_anyway_does_not_take_a_street_worth_less_than_its_detour() -> None:
    east = EAST_DEGREES_PER_M
    sweeper = a_sweeper_3_km_east()
    far = StreetCandidate("far", "centre", DEPOT[0] + 0.05, DEPOT[1], 150.0, 300.0, "far and worth little")
    work = StreetCandidate(
        "s0",
        "centre",
        DEPOT[0],
        DEPOT[1] + 2900 * east,
        150.0,
        50_000.0,
        "sweeper street",
        required_mode=CrewMode.SWEEPER,
    )
    plan = plan_day([far, work], [crew("walker"), sweeper], stop=STOP, crew_shift_share=1800 / 28800)
    assert plan.routes["sweeper"].candidate_ids == ("s0",)
    assert "far" in {d.candidate_id for d in plan.dropped}


def two_light_districts(east_m: float) -> tuple[list[StreetCandidate], list[Crew]]:
    """Two foot crews a walk apart, each with five streets by its depot: each crew's work is worth
    its shift (5 × 3,000 s against ~1,800 s of work and a 2-hour shift cost), both fit in one shift."""
    east = east_m * EAST_DEGREES_PER_M
    west_crew = crew("west")
    east_crew = Crew(
        "east", "East", 2, CrewMode.FOOT, DEPOT[0], DEPOT[1] + east, SHIFT_START, SHIFT_START + timedelta(hours=8)
    )
    candidates = [
        StreetCandidate(f"{side}{k}", "centre", DEPOT[0] + 0.0002 * k, DEPOT[1] + offset, 150.0, 3000.0, f"{side} {k}")
        for side, offset in (("w", 0.0), ("e", east))
        for k in range(1, 6)
    ]
    return candidates, [west_crew, east_crew]


def test_one_crew_does_two_light_districts_when_a_second_shift_costs_more_than_the_walk() -> None:
    """Each crew is its own sub-problem (another depot), and each one's day pays for itself; only
    the join sees that one crew can walk both rounds for less than a second shift costs."""
    candidates, crews = two_light_districts(east_m=800)
    plan = plan_day(candidates, crews, stop=STOP, crew_shift_share=0.25)
    assert_valid(plan, candidates, crews)
    out = [crew_id for crew_id, route in plan.routes.items() if route.visits]
    assert len(out) == 1, out
    assert plan.planned_candidate_ids() == {c.id for c in candidates}
    # where a shift costs next to nothing, the walk between the districts is the dearer: both go out
    cheap = plan_day(candidates, crews, stop=STOP, crew_shift_share=0.01)
    assert all(route.visits for route in cheap.routes.values())


def test_a_crew_out_of_reach_of_the_others_is_not_called_home() -> None:
    # 8 km apart: walking there and back costs more than the shift it saves
    candidates, crews = two_light_districts(east_m=8000)
    plan = plan_day(candidates, crews, stop=STOP, crew_shift_share=0.25)
    assert all(route.visits for route in plan.routes.values())
    assert plan.planned_candidate_ids() == {c.id for c in candidates}
