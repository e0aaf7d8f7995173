"""One truth for what the city plans: the simulator's ``adaptive`` policy and the scheduling service,
given the same facts, make the same plan (the service's side runs in-process on the demo city, with
the fixtures and helpers of services/scheduling/tests/test_planner.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scheduling.planning.levels import DEFAULT_TARGET
from services.scheduling.plans import inputs, roads, service
from services.scheduling.settings import SchedulingRuntime
from services.scheduling.tests.test_planner import (
    a_weekday,
    adopt,
    as_if_on,
    file_reports,
    plan,
    runtime,
    settings,
)

__all__ = ["runtime", "settings"]  # the fixtures, used below by name


def test_the_simulator_plans_exactly_what_the_service_plans_from_the_same_facts(runtime: SchedulingRuntime) -> None:
    """The simulator's ``adaptive`` is the product: same entry point, same defaults, same plan."""
    from streetcare.sim.policies import Adaptive, CrewTemplate, Knowledge
    from streetcare.sim.truth import Street

    day = a_weekday(runtime)
    now = as_if_on(runtime, day)
    weekly = [now - timedelta(days=7 * k + 1) for k in range(9, -1, -1)]
    adopt(runtime, 1, 11, weekly)
    adopt(runtime, 2, 12, [t - timedelta(days=28) for t in weekly])
    file_reports(runtime, 30, 3, first_id=80_000)
    runtime.settings = runtime.settings.model_copy(update={"planner_iterations": 150})
    with runtime.transaction() as session:
        data = inputs.load(session, day, now)
    assert not data.bag_stops and not data.bulky_reports and not data.cleanups and data.previous is None
    assert {f.target for f in data.facts} == {DEFAULT_TARGET}
    service.replan(runtime, day, "the same facts", now=data.now)
    served = {c["id"]: [v["candidate_id"] for v in c["visits"]] for c in plan(runtime, day)["crews"]}

    knowledge = Knowledge(
        estimates=[f.estimate for f in data.facts],
        last_pick_at=[f.last_pick_at for f in data.facts],
        last_visit_at=[f.last_visit_at for f in data.facts],
        last_inspection=[f.last_inspection for f in data.facts],
        report_times=[list(f.report_times) for f in data.facts],
        adoptions=[f.adoptions for f in data.facts],
    )
    with runtime.transaction() as session:  # the same lines: the simulator builds the same street network
        lines = {line.street_id: line for line in roads.street_lines(session)}
    streets = [
        Street(
            f.street_id,
            f.name,
            f.district,
            f.kind,
            f.lat,
            f.lon,
            f.length_m,
            tuple(lines[f.street_id].coordinates),
            lines[f.street_id].oneway,
            lines[f.street_id].drivable,
        )
        for f in data.facts
    ]
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    crews = [
        CrewTemplate(
            c.id,
            c.mode,
            c.size,
            c.depot_lat,
            c.depot_lon,
            (c.shift_start - midnight).total_seconds() / 3600.0,
            (c.shift_end - midnight).total_seconds() / 3600.0,
        )
        for c in data.crews
    ]
    adaptive = Adaptive(streets, crews, knowledge, DEFAULT_TARGET, runtime.settings.planner_seed)
    adaptive.stop = service.solver_stop(runtime.settings)
    simulated = adaptive.plan(day, data.now)
    by_sim = {int(crew_id): list(route.candidate_ids) for crew_id, route in simulated.routes.items()}

    assert sum(len(v) for v in served.values()) > 0
    assert by_sim == served
    assert adaptive.network is not None and simulated.travel.road_network
    assert any(c.id == "12" for c in data.candidates), "the street whose adopters stopped is offered"
