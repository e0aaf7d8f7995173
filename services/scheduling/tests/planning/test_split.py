"""A day split into sub-problems that travel as JSON, solved apart and joined: the same plan as one solve."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from services.scheduling.planning.generated import generate_city, generate_streets
from services.scheduling.planning.network import RoadNetwork
from services.scheduling.planning.routing import (
    DayPlan,
    Distribution,
    SolverStop,
    join_day,
    plan_day,
    solve_subproblem,
    split_day,
)

SHIFT_START = datetime(2025, 5, 6, 7, tzinfo=UTC)
STOP = SolverStop.after_iterations(150, no_improvement=60)
"""An iteration count: the same sub-problem and seed give the same routes in any process."""


def routes_of(plan: DayPlan) -> dict[str, tuple[str, ...]]:
    return {crew_id: route.candidate_ids for crew_id, route in plan.routes.items()}


def over_the_wire(data: Mapping[str, Any]) -> dict[str, Any]:
    """What another process receives: the data through JSON and back."""
    loaded: dict[str, Any] = json.loads(json.dumps(data, allow_nan=False))
    return loaded


@pytest.fixture(scope="module")
def city() -> dict[str, Any]:
    candidates, crews = generate_city(700, 8, seed=6, day=SHIFT_START)
    network = RoadNetwork.build(generate_streets(candidates, 6))
    options: dict[str, Any] = {"stop": STOP, "seed": 3, "network": network, "max_clients_per_subproblem": 120}
    first = plan_day(candidates, crews, **options)
    on_route = [route for route in first.routes.values() if route.visits]
    by_id = {c.id: c for c in candidates}
    fixed = {on_route[0].crew_id: [by_id[on_route[0].visits[0].candidate_id]]}
    # a re-plan as the service makes it: warm from the first version, one visit under way, 40 streets fewer
    replan = {**options, "previous_plan": first, "fixed_visits": fixed}
    return {"candidates": candidates[40:], "crews": crews, "options": replan}


def test_a_day_solved_sub_problem_by_sub_problem_through_json_is_the_day_solved_at_once(city: dict[str, Any]) -> None:
    candidates, crews, options = city["candidates"], city["crews"], city["options"]
    at_once = plan_day(candidates, crews, **options)

    split = split_day(candidates, crews, **options)
    assert len(split.sizes) >= 4, "the city is cut in several sub-problems"
    subproblems = [over_the_wire(data) for data in split.subproblems()]
    assert any(any(data["warm_routes"]) for data in subproblems), "the warm start travels with its sub-problem"
    solutions = [over_the_wire(solve_subproblem(data)) for data in reversed(subproblems)][::-1]
    joined = join_day(split, solutions)

    assert routes_of(joined) == routes_of(at_once)
    assert joined.prize_collected == pytest.approx(at_once.prize_collected)
    assert [(d.candidate_id, d.why) for d in joined.dropped] == [(d.candidate_id, d.why) for d in at_once.dropped]
    assert [s.clients for s in joined.subproblems] == split.sizes
    fixed_crew = next(iter(options["fixed_visits"]))
    assert joined.routes[fixed_crew].visits[0].fixed


def test_a_distribution_solves_the_sub_problems_elsewhere_and_what_it_cannot_solve_is_solved_here(
    city: dict[str, Any],
) -> None:
    candidates, crews, options = city["candidates"], city["crews"], city["options"]
    asked: list[int] = []

    def elsewhere(subproblems: list[dict[str, Any]]) -> Sequence[Mapping[str, Any] | None]:
        asked.append(len(subproblems))
        answers: list[Mapping[str, Any] | None] = []
        for number, data in enumerate(subproblems):
            if number == 0:
                answers.append(None)  # failed or timed out
            elif number == 1:
                answers.append({**solve_subproblem(over_the_wire(data)), "routes": [[0, 0]]})  # unusable
            else:
                answers.append({**over_the_wire(solve_subproblem(over_the_wire(data))), "solved_by": "far"})
        return answers[:-1]  # and the last one never came back

    distributed = plan_day(candidates, crews, **options, distribution=Distribution(elsewhere))
    assert asked == [len(distributed.subproblems)]
    solved_by = [s.solved_by for s in distributed.subproblems]
    assert solved_by[0] == solved_by[1] == solved_by[-1] == ""
    assert set(solved_by[2:-1]) == {"far"}
    assert routes_of(distributed) == routes_of(plan_day(candidates, crews, **options))


def test_a_day_smaller_than_the_distribution_asks_is_solved_here(city: dict[str, Any]) -> None:
    candidates, crews, options = city["candidates"], city["crews"], city["options"]

    def never(subproblems: list[dict[str, Any]]) -> list[None]:
        raise AssertionError("a small day went out")

    plan = plan_day(candidates, crews, **options, distribution=Distribution(never, min_clients=10**6))
    assert all(s.solved_by == "" for s in plan.subproblems)
    one_group = plan_day(candidates[:30], crews[:1], stop=STOP, distribution=Distribution(never))
    assert len(one_group.subproblems) == 1, "one sub-problem is solved here: nothing to share"


def test_the_time_budget_left_is_shared_by_size_among_the_sub_problems_sent_out() -> None:
    candidates, crews = generate_city(400, 6, seed=2, day=SHIFT_START)
    split = split_day(candidates, crews, stop=SolverStop.after_seconds(30.0), max_clients_per_subproblem=60)
    subproblems = split.subproblems()
    budgets = [data["budget_s"] for data in subproblems]
    assert sum(budgets) == pytest.approx(30.0, abs=1.5)
    biggest = max(range(len(budgets)), key=lambda k: split.sizes[k])
    smallest = min(range(len(budgets)), key=lambda k: split.sizes[k])
    assert budgets[biggest] / budgets[smallest] == pytest.approx(split.sizes[biggest] / split.sizes[smallest])


def test_a_solution_for_another_sub_problem_is_refused() -> None:
    candidates, crews = generate_city(200, 4, seed=1, day=SHIFT_START)
    split = split_day(candidates, crews, stop=STOP, max_clients_per_subproblem=60)
    subproblems = split.subproblems()
    solution = solve_subproblem(subproblems[0])
    assert split.problem_with(0, solution) is None
    assert split.problem_with(1, solution) is not None
    with pytest.raises(ValueError, match="sub-problem 0"):
        join_day(split, [solution | {"slack_s": None}, *map(solve_subproblem, subproblems[1:])])
    with pytest.raises(ValueError, match="format"):
        solve_subproblem({**subproblems[0], "format": 99})
