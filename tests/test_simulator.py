"""`streetcare simulate`: determinism, each policy on a tiny city, the frontier's interpolation, events, the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from streetcare.cli import main
from streetcare.sim.bound import FORESIGHT_DAYS, Bound, forecast_evenings, volunteer_shares
from streetcare.sim.cli import simulate
from streetcare.sim.frontier import (
    FRONTIER_POLICIES,
    compare_at_equal_cleanliness,
    efficient_points,
    frontier_runs,
    hours_at,
    run_frontier,
)
from streetcare.sim.metrics import response
from streetcare.sim.policies import Adaptive, Knowledge, crew_templates
from streetcare.sim.rota import AREAS_PER_DAY, RotaReactive, area_slots, contract_interval
from streetcare.sim.runner import START, Result, Simulation, _adoptions, deterministic_solver, run_policy
from streetcare.sim.truth import SCENARIO_DIR, build_world, load_city, load_scenario

TINY_FRONTIER = {
    "rota": [0.6, 1.0, 1.7],
    "rota+reactive": [0.6, 1.0],
    "adaptive": [0.3, 1.0],
    "bound": [0.3, 1.0],
    "solver": {"iterations": 30, "no_improvement": 20},
}


def small_scenario(name: str = "demo", **overrides: Any) -> dict[str, Any]:
    scenario = load_scenario(SCENARIO_DIR / f"{name}.yaml")
    scenario["history_days"] = 3
    scenario["solver"] = {"iterations": 30, "no_improvement": 20}
    scenario["frontier"] = dict(TINY_FRONTIER)
    scenario.update(overrides)
    return scenario


def run_small(policies: list[str], seed: int = 3, days: int = 6, streets: int = 40) -> dict[str, Any]:
    return simulate(small_scenario(), days, seed, policies, streets=streets, progress=False)


# --- determinism -------------------------------------------------------------------


def test_same_seed_same_frontier_json_whatever_the_number_of_workers() -> None:
    scenario = small_scenario()
    one = json.dumps(run_frontier(scenario, 4, [3, 4], workers=1, progress=False, streets=30), sort_keys=True)
    for workers in (2, 3):
        many = run_frontier(scenario, 4, [3, 4], workers=workers, progress=False, streets=30)
        assert json.dumps(many, sort_keys=True) == one, f"{workers} workers"


def test_the_frontier_runs_every_seed_policy_and_knob_once_with_the_defaults_included() -> None:
    scenario = small_scenario()
    runs = frontier_runs(scenario, [1, 2])
    assert len(runs) == len(set(runs)) == 2 * sum(len(TINY_FRONTIER[p]) for p in FRONTIER_POLICIES)
    scenario["frontier"] = {**TINY_FRONTIER, "adaptive": [0.5]}
    assert {r.knob for r in frontier_runs(scenario, [1]) if r.policy == "adaptive"} == {0.5, 1.0}


def test_the_progress_bar_counts_every_simulated_day(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = small_scenario()
    runs = len(frontier_runs(scenario, [3]))
    run_frontier(scenario, 2, [3], workers=2, progress=True, streets=20)
    total = 3 + runs * 2  # the history once, then every run's measured days
    assert f"{total}/{total}" in capsys.readouterr().err


def test_another_seed_another_city() -> None:
    assert json.dumps(run_small(["rota"], seed=3)) != json.dumps(run_small(["rota"], seed=4))


# --- each policy on a tiny city ---------------------------------------------------------


@pytest.mark.parametrize("policy", ["rota", "rota+reactive", "adaptive", "bound", "adaptive-no-volunteers"])
def test_each_policy_runs_on_a_tiny_city(policy: str) -> None:
    figures = run_small([policy])["policies"][policy]
    assert figures["route_hours"] > 0 and figures["crew_shifts"] > 0
    assert figures["crew_hours"] >= figures["route_hours"]  # a shift sent out is paid whole
    for key in ("clean_share_km", "share_d_km", "floor_share"):
        assert 0.0 <= figures[key] <= 1.0
    assert figures["floor_share"] <= figures["clean_share_km"] + 1e-9
    assert len(figures["daily"]["crew_hours"]) == 6
    assert sum(d["route_hours"] for d in figures["districts"].values()) == pytest.approx(
        figures["route_hours"], abs=0.1
    )


def test_old_policy_names_still_work() -> None:
    summary = run_small(["fixed", "oracle"])
    assert set(summary["policies"]) == {"rota", "bound"}


def test_perfect_foresight_keeps_the_city_cleaner_than_the_same_rule_on_estimates() -> None:
    """The bound is the product's rule fed the truth: at the same effort level it knows which
    streets really pass their target, so it keeps the city cleaner with no more work on the routes."""
    figures = run_small(["rota", "adaptive", "bound"], days=10)["policies"]
    assert figures["bound"]["clean_share_km"] >= 0.95
    assert figures["bound"]["clean_share_km"] >= figures["adaptive"]["clean_share_km"]
    assert figures["bound"]["clean_share_km"] >= figures["rota"]["clean_share_km"]
    assert figures["bound"]["route_hours"] <= figures["adaptive"]["route_hours"]


def test_the_bound_plans_with_the_truth_and_the_products_code() -> None:
    scenario = small_scenario()
    streets = load_city(scenario, 3, streets=30)
    world = build_world(streets, scenario, 4, 3)
    crews = crew_templates(scenario["crews"], streets)
    bound = Bound(world, crews, Knowledge.start(streets, START), 3, START.date())
    litter = world.initial_litter + 0.5
    bound.see(litter)
    bound.plan(START.date(), START + timedelta(hours=5))
    expected = forecast_evenings(world, volunteer_shares(world), litter, 0, FORESIGHT_DAYS)
    for i in range(len(streets)):
        estimate = bound.estimate(i, START)
        assert estimate.mean_litter == pytest.approx(litter[i]) and estimate.var_litter == 0.0
        assert estimate.rate_mean == pytest.approx(max(0.0, (expected[-1][i] - litter[i]) / FORESIGHT_DAYS))
    assert isinstance(bound, Adaptive) and bound.adoptions(0) == ()


def test_a_more_frequent_rota_spends_more_and_cleans_more() -> None:
    scenario = small_scenario()
    streets = load_city(scenario, 3, streets=40)
    world = build_world(streets, scenario, 10, 3)
    sim = Simulation(world, crew_templates(scenario["crews"], streets), 3, deterministic_solver(30, 20))
    sparse, often = run_policy("rota", sim, scenario, 0.6), run_policy("rota", sim, scenario, 2.0)
    assert often.route_hours > sparse.route_hours * 1.5
    assert often.at_target.mean() > sparse.at_target.mean()


def test_the_rota_sweeps_area_by_area_with_balanced_days() -> None:
    scenario = small_scenario()
    streets = load_city(scenario, 1)
    districts = {s.district for s in streets}
    for kind in ("residential", "shopping"):
        members = [i for i, s in enumerate(streets) if s.kind == kind]
        interval = contract_interval(kind, world_target())
        slots = area_slots(streets, members, interval)
        assert set(slots.values()) == set(range(interval))  # every day has its areas
        # area by area: each day sweeps a few whole areas, not a bit of every district
        district_days = {(streets[i].district, slots[i]) for i in members}
        assert len(district_days) <= AREAS_PER_DAY * interval + len(districts) < len(districts) * interval
        km = [sum(streets[i].length_m for i in members if slots[i] == d) for d in range(interval)]
        assert max(km) < 2 * min(km)


def world_target() -> Any:
    from services.scheduling.planning.levels import Level

    return Level.B


def test_rota_plus_reactive_visits_a_reported_street_on_the_next_plan() -> None:
    scenario = small_scenario()
    streets = load_city(scenario, 2, streets=40)
    crews = crew_templates(scenario["crews"], streets)
    knowledge = Knowledge.start(streets, START)
    reactive = RotaReactive(streets, crews, knowledge, world_target(), 2, START.date())
    due_today = {streets[i].id for i in reactive._due(0)}
    outsider = next(i for i, s in enumerate(streets) if s.id not in due_today)
    knowledge.report_filed(outsider, START - timedelta(hours=3), severity=2, duplicate=False)
    reactive.stop = deterministic_solver(30, 20)
    plan = reactive.plan(START.date(), START + timedelta(hours=5))
    assert streets[outsider].id in plan.planned_candidate_ids()


def test_a_capped_policy_at_its_cap_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = small_scenario()
    scenario["crews"] = [{"id": "tiny", "mode": "foot", "size": 1, "depot": "centre", "shift": "07:00-07:30"}]
    scenario["litter"] = {**scenario["litter"], "kind_rate_bias": 3.0}
    figures = simulate(scenario, 6, 3, ["adaptive", "rota"], streets=40, progress=False)["policies"]
    assert figures["adaptive"]["at_crew_cap"] is True
    assert figures["rota"]["at_crew_cap"] is False  # the rota sends the crews its plan needs


# --- the frontier: interpolation at equal cleanliness -------------------------------------


def test_interpolation_reads_hours_between_efficient_points() -> None:
    points = [(0.80, 100.0), (0.90, 150.0), (0.95, 300.0), (0.85, 200.0)]  # (0.85, 200) is beaten by (0.90, 150)
    assert efficient_points(points) == [(0.80, 100.0), (0.90, 150.0), (0.95, 300.0)]
    assert hours_at(points, 0.85).hours == pytest.approx(125.0)
    assert hours_at(points, 0.925).hours == pytest.approx(225.0)
    assert hours_at(points, 0.95).hours == pytest.approx(300.0)


def test_interpolation_never_extrapolates() -> None:
    points = [(0.80, 100.0), (0.90, 150.0)]
    above, below = hours_at(points, 0.97), hours_at(points, 0.70)
    assert above.hours is None and above.status == "above" and "cleaner than" in above.note
    assert below.hours is None and below.status == "below" and "0.8000" in below.note
    assert hours_at([], 0.9).status == "empty"


def test_comparison_at_equal_cleanliness_uses_the_contract_rota_as_reference() -> None:
    def point(knob: float, clean: float, hours: float) -> dict[str, float]:
        return {"knob": knob, "clean_share_km": clean, "crew_hours": hours}

    frontier = {
        "rota": [point(0.6, 0.80, 80), point(1.0, 0.90, 100), point(1.7, 0.95, 170)],
        "rota+reactive": [point(0.6, 0.85, 90), point(1.0, 0.95, 120)],
        "adaptive": [point(1.0, 0.88, 60), point(0.3, 0.92, 80)],
        "bound": [point(0.0, 0.99, 70)],
    }
    comparison = compare_at_equal_cleanliness(frontier)
    assert comparison["reference_clean_share_km"] == 0.90
    assert comparison["crew_hours"]["rota"] == 100
    assert comparison["crew_hours"]["rota+reactive"] == pytest.approx(105.0)
    assert comparison["crew_hours"]["adaptive"] == pytest.approx(70.0)
    assert comparison["adaptive_vs_rota"] == pytest.approx(0.70)
    assert comparison["adaptive_vs_rota_reactive"] == pytest.approx(70.0 / 105.0)
    assert comparison["crew_hours"]["bound"] is None and comparison["adaptive_vs_bound"] is None
    assert "bound" in comparison["outside_frontier"]
    with pytest.raises(ValueError, match="reference"):
        compare_at_equal_cleanliness({"rota": [point(0.6, 0.8, 80)]})


# --- scenario events and the response figures ------------------------------------------------


def _event_world(events: list[dict[str, Any]], days: int = 12) -> tuple[dict[str, Any], Any]:
    scenario = small_scenario(events=events)
    scenario["volunteers"] = {**scenario["volunteers"], "share_of_streets": 0.5, "stop_probability": 0.0}
    streets = load_city(scenario, 5)
    return scenario, build_world(streets, scenario, days, 5)


def test_adopters_of_a_district_stop_silently_on_the_event_day() -> None:
    _, world = _event_world([{"day": 4, "district": "Kluuvi", "adopters": "stop", "announced": False}])
    at = world.history_days + 4
    in_district = [v for v in world.volunteers if world.streets[v.street].district == "Kluuvi"]
    assert in_district
    for volunteer in in_district:
        assert volunteer.stop_day is not None and volunteer.stop_day <= at and not volunteer.stop_announced
        assert all(day < volunteer.stop_day for day in volunteer.pick_days)
    elsewhere = [v for v in world.volunteers if world.streets[v.street].district != "Kluuvi"]
    assert any(day >= at for v in elsewhere for day in v.pick_days)
    # unannounced: the app still shows the adoptions as active
    published = _adoptions(world, at + 2, {})
    assert all(published[v.street] for v in in_district if v.stopped_by_event)


def test_a_district_gains_adopters_who_have_not_picked_yet() -> None:
    _, world = _event_world([{"day": 3, "district": "Siltasaari", "adopters": "join", "share": 0.8}])
    joined = [v for v in world.volunteers if v.joined]
    free_before = {i for i, s in enumerate(world.streets) if s.district == "Siltasaari"} - {
        v.street for v in world.volunteers if not v.joined
    }
    assert len(joined) == round(0.8 * len(free_before))
    assert all(world.streets[v.street].district == "Siltasaari" for v in joined)
    at = world.history_days + 3
    assert all(v.started_day == at and min(v.pick_days, default=at) >= at for v in joined)
    assert not _adoptions(world, at - 1, {})[joined[0].street]
    adoption = _adoptions(world, at, {})[joined[0].street][0]
    assert adoption.last_pick_at is None  # no credit before the first logged pick


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"day": 4, "district": "Atlantis", "adopters": "stop"}, "no district"),
        ({"day": 400, "district": "Kluuvi", "adopters": "stop"}, "day must be"),
        ({"day": 4, "district": "Kluuvi", "adopters": "vanish"}, "'stop' or 'join'"),
        ({"day": 4, "district": "Kluuvi", "adopters": "join", "share": 3}, "between 0 and 1"),
    ],
)
def test_a_bad_event_is_refused_with_a_reason(event: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _event_world([event])


def test_response_counts_days_from_first_dirty_day_to_the_crew_visit() -> None:
    _, world = _event_world([{"day": 2, "district": "Kluuvi", "adopters": "stop", "announced": False}], 10)
    stopped = sorted({v.street for v in world.volunteers if v.stopped_by_event})
    n, days = len(world.streets), 10
    at_target = np.ones((days, n), dtype=bool)
    visited = np.zeros((days, n), dtype=bool)
    first, second = stopped[0], stopped[1]
    at_target[4:7, first] = False  # dirty from day 4, a crew comes on day 7
    visited[7, first] = True
    at_target[5:, second] = False  # dirty from day 5, never visited
    result = Result("adaptive", 0.3, days, np.zeros(n), at_target, np.zeros((days, n)), visited, np.zeros_like(visited))
    figures = response(result, world)
    assert sorted(figures["stopped"]["waits"]) == [3, 5]
    assert figures["stopped"]["never_visited"] == 1
    assert figures["stopped"]["streets"] == len(stopped)


def test_withdrawals_from_new_adoptions_are_set_against_the_districts_never_adopted_streets() -> None:
    """A new adoption has no credit before its first pick, so its street should fare as its
    district's never-adopted streets do over the same days: the response counts both."""
    _, world = _event_world([{"day": 2, "district": "Kluuvi", "adopters": "join", "share": 0.8}], 10)
    joined = sorted({v.street for v in world.volunteers if v.joined})
    adopted = {v.street for v in world.volunteers}
    never = [i for i, s in enumerate(world.streets) if s.district == "Kluuvi" and i not in adopted]
    assert joined and never
    n, days = len(world.streets), 10
    visited = np.zeros((days, n), dtype=bool)

    def figures(dirty: list[int]) -> dict[str, Any]:
        at_target = np.ones((days, n), dtype=bool)
        at_target[:, dirty] = False  # below target every day, never visited
        result = Result("adaptive", 1.0, days, np.zeros(n), at_target, np.zeros((days, n)), visited, visited)
        joined_figures: dict[str, Any] = response(result, world)["joined"]
        return joined_figures

    alike = figures(joined + never)
    assert alike["withdrawn"] > 0
    assert alike["left_dirty_if_never_adopted"] == pytest.approx(alike["withdrawn"])
    only_new = figures(joined)
    assert only_new["withdrawn"] == alike["withdrawn"]
    assert only_new["left_dirty_if_never_adopted"] == 0
    only_never = figures(never)
    assert only_never["withdrawn"] == 0
    assert only_never["left_dirty_if_never_adopted"] == pytest.approx(alike["withdrawn"])


def test_event_scenario_frontier_reports_the_response() -> None:
    scenario = small_scenario("district-stops")
    district = load_city(scenario, 2, streets=60)[0].district
    scenario["events"] = [{"day": 1, "district": district, "adopters": "stop", "announced": False}]
    scenario["frontier"] = {**TINY_FRONTIER, "rota": [1.0], "rota+reactive": [1.0], "bound": [0.0]}
    summary = run_frontier(scenario, 5, [2], workers=1, progress=False, streets=60)
    stopped = summary["response"]["stopped_streets"]
    assert stopped["streets"] > 0
    waits = stopped["days_dirty_to_visit"]
    if stopped["went_below_target"]:
        assert 0 <= waits["median"] <= waits["p90"] <= waits["max"] <= 5
    assert set(summary["response"]["joined_streets"]) >= {
        "withdrawn_before_first_pick",
        "left_dirty_if_never_adopted",
        "share_at_target",
    }


# --- scenarios and the CLI -----------------------------------------------------------------


def test_shipped_scenarios_load() -> None:
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    expected = {
        "demo",
        "few-volunteers",
        "volunteers-stop",
        "district-stops",
        "district-joins",
        "city-2000",
        "helsinki",
    }
    assert expected <= set(names)
    for name in names:
        scenario = load_scenario(SCENARIO_DIR / f"{name}.yaml")
        assert scenario["crews"] and 0 <= scenario["volunteers"]["share_of_streets"] <= 1
        assert all(scenario["frontier"][p] for p in ("rota", "rota+reactive", "adaptive", "bound"))
    assert len(load_scenario(SCENARIO_DIR / "city-2000.yaml")["crews"]) >= 5 * len(load_scenario(None)["crews"])


def test_the_generated_city_has_2000_streets() -> None:
    scenario = load_scenario(SCENARIO_DIR / "city-2000.yaml")
    assert len(load_city(scenario, 1)) == 2000


def test_the_real_imported_city_loads() -> None:
    scenario = load_scenario(SCENARIO_DIR / "helsinki.yaml")
    source = Path(__file__).resolve().parents[1] / scenario["city"]
    if not source.exists():
        pytest.skip(f"{source} is not here")
    streets = load_city(scenario, 1)
    assert len(streets) > 20 and sum(s.length_m for s in streets) > 5_000
    world = build_world(streets, replace_history(scenario), 2, 1)
    assert world.build_up.shape == (3, len(streets))


def replace_history(scenario: dict[str, Any]) -> dict[str, Any]:
    return {**scenario, "history_days": 1}


def test_cli_frontier_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = small_scenario()
    scenario_file = tmp_path / "tiny.yaml"
    scenario_file.write_text(yaml.safe_dump({"name": "tiny", "history_days": 2, "frontier": TINY_FRONTIER}))
    out_json, out_png = tmp_path / "out.json", tmp_path / "out.png"
    code = main(
        [
            *("simulate", "--frontier", "--seeds", "2", "--days", "3", "--seed", "4", "--streets", "30"),
            *("--scenario", str(scenario_file), "--workers", "1", "--no-progress"),
            *("--json", str(out_json), "--plot", str(out_png)),
        ]
    )
    assert code == 0 and scenario["name"] == "demo"
    summary = json.loads(out_json.read_text())
    assert summary["seeds"] == [4, 5] and summary["days"] == 3
    for policy in ("rota", "rota+reactive", "adaptive", "bound"):
        for point in summary["frontier"][policy]:
            assert {"knob", "crew_hours", "route_hours", "clean_share_km", "share_d_km", "floor_share"} <= set(point)
    equal = summary["at_equal_cleanliness"]
    assert {"reference_clean_share_km", "crew_hours", "adaptive_vs_rota", "adaptive_vs_rota_reactive"} <= set(equal)
    assert "adaptive_vs_bound" in equal
    assert not any("saves_30" in key for key in json.dumps(summary).split('"'))
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "at equal cleanliness" in capsys.readouterr().out


def test_cli_single_run_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fast = ["--streets", "30", "--days", "3", "--history-days", "2", "--solver-iterations", "20", "--no-progress"]
    assert main(["simulate", *fast, "--policies", "rota,adaptive", "--plot", str(tmp_path / "one.png")]) == 0
    assert "unequal cleanliness" in capsys.readouterr().out
    assert main(["simulate", *fast, "--policies", "magic"]) == 2
    assert "unknown policy" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"events": [{"day": 1, "district": "Atlantis", "adopters": "stop"}]}))
    assert main(["simulate", *fast, "--scenario", str(bad)]) == 2
    assert "no district" in capsys.readouterr().err


def test_the_hidden_world_is_the_same_for_every_policy() -> None:
    scenario = small_scenario()
    streets = load_city(scenario, 5, streets=30)
    one, two = build_world(streets, scenario, 10, 5), build_world(streets, scenario, 10, 5)
    assert (one.build_up == two.build_up).all()
    assert [v.pick_days for v in one.volunteers] == [v.pick_days for v in two.volunteers]
    assert one.rate.min() > 0 and one.rate.max() > 2 * one.rate.mean()  # some streets much dirtier
    with_event = build_world(
        streets, {**scenario, "events": [{"day": 2, "district": streets[0].district, "adopters": "stop"}]}, 10, 5
    )
    assert (with_event.build_up == one.build_up).all()  # events do not change the weather or the litter
    assert replace(one, volunteers=[]).days == one.days
