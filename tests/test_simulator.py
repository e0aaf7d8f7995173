"""`streetcare simulate`: determinism, each policy on a small city, the JSON contract, the CLI end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streetcare.cli import main
from streetcare.sim.cli import simulate
from streetcare.sim.truth import SCENARIO_DIR, build_world, load_city, load_scenario

FAST = ["--streets", "40", "--days", "6", "--history-days", "3", "--solver-iterations", "30", "--no-progress"]


def small_scenario(**overrides: Any) -> dict[str, Any]:
    scenario = load_scenario(SCENARIO_DIR / "demo.yaml")
    scenario["history_days"] = 3
    scenario["solver"] = {"iterations": 30, "no_improvement": 20}
    scenario.update(overrides)
    return scenario


def run_small(policies: list[str], seed: int = 3, days: int = 6, streets: int = 40) -> dict[str, Any]:
    return simulate(small_scenario(), days, seed, policies, streets=streets, progress=False)


def test_same_seed_same_result() -> None:
    first = run_small(["fixed", "adaptive", "oracle"])
    second = run_small(["fixed", "adaptive", "oracle"])
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_another_seed_another_city() -> None:
    assert json.dumps(run_small(["fixed"], seed=3)) != json.dumps(run_small(["fixed"], seed=4))


@pytest.mark.parametrize("policy", ["fixed", "adaptive", "oracle", "adaptive-no-volunteers"])
def test_each_policy_runs_on_a_small_city(policy: str) -> None:
    summary = run_small([policy])
    figures = summary["policies"][policy]
    assert figures["crew_hours"] > 0
    assert 0.0 <= figures["share_at_or_above_target"] <= 1.0
    assert 0.0 <= figures["share_c_or_d"] <= 1.0
    assert len(figures["daily"]["crew_hours"]) == 6
    hours = figures["crew_hours_on_streets_with_volunteers"] + figures["crew_hours_on_streets_without_volunteers"]
    assert hours == pytest.approx(figures["crew_hours"], abs=0.05)
    assert sum(d["crew_hours"] for d in figures["districts"].values()) == pytest.approx(figures["crew_hours"], abs=0.1)


def test_the_json_has_the_required_keys() -> None:
    summary = run_small(["fixed", "adaptive", "oracle"])
    assert summary["seed"] == 3 and summary["days"] == 6
    for name in ("fixed", "adaptive", "oracle"):
        figures = summary["policies"][name]
        for key in (
            "crew_hours",
            "share_at_or_above_target",
            "share_c_or_d",
            "mean_days_dirty_street_waits",
            "districts",
            "crew_hours_on_streets_with_volunteers",
            "crew_hours_on_streets_without_volunteers",
        ):
            assert key in figures, (name, key)
    assert "adaptive_crew_hours_saved_vs_fixed" in summary["comparison"]


def test_oracle_is_at_least_as_good_as_adaptive_per_crew_hour() -> None:
    """Knowing the truth never hurts much: the oracle keeps streets as clean with no more hours per clean street-day."""
    summary = run_small(["adaptive", "oracle"], days=20, streets=60)
    adaptive, oracle = summary["policies"]["adaptive"], summary["policies"]["oracle"]
    assert oracle["share_at_or_above_target"] >= adaptive["share_at_or_above_target"] - 0.03
    assert oracle["crew_hours"] <= adaptive["crew_hours"] * 1.05


def test_volunteers_save_crew_hours_for_the_adaptive_policy() -> None:
    summary = run_small(["adaptive", "adaptive-no-volunteers"], days=20, streets=60)
    assert summary["comparison"]["crew_hours_volunteers_are_worth"] > 0


def test_the_hidden_world_is_the_same_for_every_policy() -> None:
    scenario = small_scenario()
    streets = load_city(scenario, 5, streets=30)
    one, two = build_world(streets, scenario, 10, 5), build_world(streets, scenario, 10, 5)
    assert (one.build_up == two.build_up).all()
    assert [v.pick_days for v in one.volunteers] == [v.pick_days for v in two.volunteers]
    assert one.rate.min() > 0 and one.rate.max() > 2 * one.rate.mean()  # some streets much dirtier


def test_shipped_scenarios_load() -> None:
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    assert {"demo", "few-volunteers", "volunteers-stop"} <= set(names)
    for name in names:
        scenario = load_scenario(SCENARIO_DIR / f"{name}.yaml")
        assert scenario["crews"] and 0 <= scenario["volunteers"]["share_of_streets"] <= 1


def test_cli_end_to_end_writes_json_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json, out_png = tmp_path / "out.json", tmp_path / "out.png"
    code = main(
        [
            *("simulate", *FAST, "--seed", "2", "--policies", "fixed,adaptive,oracle"),
            *("--json", str(out_json), "--plot", str(out_png)),
        ]
    )
    assert code == 0
    summary = json.loads(out_json.read_text())
    assert set(summary["policies"]) == {"fixed", "adaptive", "oracle"}
    assert summary["seed"] == 2 and summary["days"] == 6
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "fixed" in capsys.readouterr().out


def test_cli_rejects_an_unknown_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", *FAST, "--policies", "magic"]) == 2
    assert "unknown policy" in capsys.readouterr().err
