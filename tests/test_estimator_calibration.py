"""The estimator's predictive spread against the simulator's hidden truth, and the weekday factor learnt.

Slow-ish (~25 s): five simulated weeks (the first two a warm-up) of the demo city under the contract
rota; each morning every street's estimate predicts the next morning's litter, scored on the streets
nobody cleaned meanwhile.
"""

from __future__ import annotations

from streetcare.sim.calibration import calibrate
from streetcare.sim.policies import crew_templates
from streetcare.sim.runner import Simulation, deterministic_solver
from streetcare.sim.truth import build_world, load_city, load_scenario


def test_one_and_two_sigma_bands_hold_about_68_and_95_percent_of_true_outcomes() -> None:
    scenario = load_scenario(None)
    days = 35
    streets = load_city(scenario, 1)
    world = build_world(streets, scenario, days, 1)
    simulation = Simulation(world, crew_templates(scenario["crews"], streets), 1, deterministic_solver(60, 30))
    result = calibrate(simulation, days, horizon_days=1, skip_days=14)
    print(result.summary())
    print("weekday factors learnt (Mon…Sun):", result.factors, "from", result.observations, "measurements")
    assert len(result.z) > 3000
    assert 0.60 <= result.within_1sd <= 0.76
    assert 0.90 <= result.within_2sd <= 0.98
    assert result.observations > 500
    # learnt, not the prior: the factors moved, and stayed a weekly profile of mean 1
    for factors in result.factors.values():
        assert len(factors) == 7
        assert abs(sum(factors) / 7 - 1.0) < 1e-3
        assert factors != (1.0,) * 7
