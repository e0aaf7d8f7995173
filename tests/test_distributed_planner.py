"""A day's sub-problems solved as a Celery group across real planner workers, joined into one plan
version: the stack as `make run` runs it (the Procfile's `worker` serves the `planner` queue too),
with SCHEDULING_PLANNER_DISTRIBUTED on for every day, real Redis as broker and result backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from conftest import _run_stack, bearer, replan_through_job, scheduling_runtime, seed_demo_crews, service_settings
from kernel.auth import Role
from services.scheduling import handlers as scheduling_handlers
from services.scheduling.planning.engine import ITERATION_STOP, EffortPlan
from services.scheduling.plans import inputs, roads
from services.scheduling.plans import service as plans
from streetcare.testing import Stack, private_redis
from workers.planner import GroupSolver, client
from workers.settings import WorkerSettings

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("distributed-planner"), pytest.mark.timeout(900)]
API = "/api/v1/scheduling"
DISTRIBUTED = {
    "SCHEDULING_PLANNER_DISTRIBUTED": "true",
    "SCHEDULING_PLANNER_DISTRIBUTED_MIN_CANDIDATES": "0",  # the demo city is small: every day goes out
    # plans that do not depend on how busy the host is, so here and through the group can be compared
    "SCHEDULING_PLANNER_ITERATIONS": str(ITERATION_STOP.iterations),
    "WORKERS_PLANNER_HELP_WHILE_WAITING": "false",  # the re-plan only waits: every sub-problem is a worker's
    "STREETCARE_LOG_LEVEL": "INFO",  # the planner says how each plan was solved
}


@pytest.fixture(scope="module")
def planner_stack(tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str | None) -> Iterator[Stack]:
    with private_redis() as redis_server:
        yield from _run_stack(tmp_path_factory, redis_server, pg_admin_url, extra_env=DISTRIBUTED)


def logged(stack: Stack, name: str, event: str) -> list[dict[str, Any]]:
    """The JSON log lines of one process for one event."""
    lines = []
    for line in stack.logs(name).splitlines():
        if line.startswith("{") and f'"{event}"' in line:
            record = json.loads(line)
            if record.get("event") == event:
                lines.append(record)
    return lines


def todays_inputs(stack: Stack) -> tuple[Any, inputs.DayInputs, Any]:
    """The scheduling settings (every day out to the workers), and what a re-plan of today reads
    from the stack's database: the demo crews on duty, the street network."""
    seed_demo_crews(stack)
    answer = httpx.get(f"{stack.gateway_url}{API}/plan-days", headers=bearer(Role.DISPATCHER), timeout=30)
    day = date.fromisoformat(answer.json()["today"])
    settings = service_settings("scheduling", stack.redis_server.url, stack.database_urls["scheduling"]).model_copy(
        update={
            "planner_iterations": ITERATION_STOP.iterations,
            "planner_distributed": True,
            "planner_distributed_min_candidates": 0,
        }
    )
    with scheduling_runtime(settings) as runtime, runtime.transaction() as session:
        return settings, inputs.load(session, day), roads.street_network(session)


def planned_here(settings: Any, data: inputs.DayInputs, network: Any) -> EffortPlan:
    """The day planned in this process, one sub-problem after the other, as before."""
    return plans.plan(settings.model_copy(update={"planner_distributed": False}), data, network)


def group_solver(stack: Stack, **settings: Any) -> GroupSolver:
    """The workers' group solver, on the stack's Redis, as the planner process makes it."""
    worker_settings = WorkerSettings(
        REDIS_URL=stack.redis_server.url, STREETCARE_DEMO_MODE=True, metrics_port=0, **settings
    )
    return GroupSolver(client(worker_settings), worker_settings, scheduling_handlers.solve_subproblem)


def streets_and_routes(effort: EffortPlan) -> tuple[set[str], dict[str, tuple[str, ...]]]:
    routes = {crew_id: route.candidate_ids for crew_id, route in effort.plan.routes.items()}
    return {v.street_id for r in effort.plan.routes.values() for v in r.visits}, routes


def test_a_distributed_re_plan_is_one_version_covering_every_district(planner_stack: Stack) -> None:
    stack = planner_stack
    seed_demo_crews(stack)
    headers = bearer(Role.DISPATCHER)
    day = httpx.get(f"{stack.gateway_url}{API}/plan-days", headers=headers, timeout=30).json()["today"]
    districts = {d["name"] for d in httpx.get(f"{stack.gateway_url}{API}/districts", timeout=30).json()}
    assert len(districts) >= 2
    for district in districts:  # the city wants every district spotless: work worth a crew in each
        wanted = httpx.put(
            f"{stack.gateway_url}{API}/district-targets/{district}",
            json={"target_level": "A+"},
            headers=headers,
            timeout=30,
        )
        assert wanted.status_code == 200, wanted.text
    before = httpx.get(f"{stack.gateway_url}{API}/plans/{day}/versions", headers=headers, timeout=30).json()

    job = replan_through_job(stack.gateway_url, headers, day)

    versions = httpx.get(f"{stack.gateway_url}{API}/plans/{day}/versions", headers=headers, timeout=30).json()
    assert job["version"] in {v["version"] for v in versions} - {v["version"] for v in before}
    plan = httpx.get(f"{stack.gateway_url}{API}/plans/{day}/versions/{job['version']}", headers=headers, timeout=30)
    assert plan.status_code == 200, plan.text
    visits = [v for crew in plan.json()["crews"] for v in crew["visits"]]
    assert len({v["candidate_id"] for v in visits}) == len(visits), "a street on two routes"
    assert {v["district"] for v in visits} == districts, "the joined version covers every district"
    # made of sub-problems that the planner workers solved, not the re-planning process
    published = [p for p in logged(stack, "planner", "plan.published") if p["version"] == job["version"]]
    assert len(published) == 1, published
    assert published[0]["subproblems"] >= 2 and published[0]["solved_elsewhere"] == published[0]["subproblems"]
    groups = logged(stack, "planner", "planner.group_solved")
    assert groups and all(g["by_workers"] == g["subproblems"] and g["solved_here_while_waiting"] == 0 for g in groups)


def test_the_same_sub_problems_solved_here_and_through_the_group_plan_the_same_streets(planner_stack: Stack) -> None:
    stack = planner_stack
    settings, data, network = todays_inputs(stack)

    here = planned_here(settings, data, network)
    solver = group_solver(stack, planner_help_while_waiting=False)
    grouped = plans.plan(settings, data, network, solver)

    assert all(s.solved_by == "" for s in here.plan.subproblems)
    assert len(grouped.plan.subproblems) >= 2
    solved_by = [s.solved_by for s in grouped.plan.subproblems]
    assert all(by.startswith("events@") for by in solved_by), (solved_by, solver.last_outcome)  # the Procfile's worker
    streets, routes = streets_and_routes(here)
    assert streets, "the demo city's day has work"
    assert streets_and_routes(grouped) == (streets, routes)


def test_with_no_planner_worker_the_re_plan_solves_its_sub_problems_itself(planner_stack: Stack) -> None:
    """A sub-problem that does not come back in time is solved in the re-planning process; one no
    worker has started is taken back at once when the re-plan helps while it waits."""
    stack = planner_stack
    settings, data, network = todays_inputs(stack)
    expected = streets_and_routes(planned_here(settings, data, network))
    stack.stop("worker")
    try:
        # waiting alone: a short deadline; helping: one no slow host reaches, as it never waits for it
        for helping, margin_s in ((False, 3.0), (True, 120.0)):
            solver = group_solver(stack, planner_wait_margin_s=margin_s, planner_help_while_waiting=helping)
            effort = plans.plan(settings, data, network, solver)
            assert all(s.solved_by == "" for s in effort.plan.subproblems)
            assert streets_and_routes(effort) == expected
            sent = len(effort.plan.subproblems)
            if helping:  # taken back one by one while it waited, not waited for
                assert solver.last_outcome["solved_here_while_waiting"] == sent, solver.last_outcome
                assert solver.last_outcome["not_back_in_time"] == 0 and solver.last_outcome["seconds"] < margin_s
            else:  # waited for until the deadline, then solved by the engine here
                assert solver.last_outcome["not_back_in_time"] == sent, solver.last_outcome
                assert solver.last_outcome["seconds"] >= 3.0
    finally:
        stack.start("worker")
