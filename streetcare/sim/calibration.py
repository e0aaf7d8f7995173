"""Is the estimator's spread honest? Its predictions against the simulator's hidden truth.

Each morning (05:00, when the planner plans) every street's estimate — the product's estimator,
fed the events the services would see, with the weekday factors learnt so far — predicts the litter
``horizon_days`` later; the outcome is the true litter then. Only streets that nobody cleaned in
between count (a clean changes the outcome and is an observation, not a forecast failure). A
calibrated Gaussian puts ~68 % of outcomes within 1σ of its mean and ~95 % within 2σ.

Pure simulation: the same world, policy and events as ``streetcare simulate``; nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from services.scheduling.planning import estimator
from services.scheduling.planning.estimator import StreetEstimate

from .policies import Policy
from .rota import Rota
from .runner import START, Simulation


@dataclass
class Calibration:
    """Standardised errors ``(truth − mean) / sd`` of the predictions made, and what the learner found."""

    horizon_days: float
    z: list[float] = field(default_factory=list)
    factors: dict[str, tuple[float, ...]] = field(default_factory=dict)
    observations: int = 0

    @property
    def within_1sd(self) -> float:
        return float(np.mean(np.abs(self.z) <= 1.0)) if self.z else float("nan")

    @property
    def within_2sd(self) -> float:
        return float(np.mean(np.abs(self.z) <= 2.0)) if self.z else float("nan")

    @property
    def mean_z(self) -> float:
        return float(np.mean(self.z)) if self.z else float("nan")

    def summary(self) -> str:
        return (
            f"horizon {self.horizon_days:g} d: {len(self.z)} predictions, "
            f"{100 * self.within_1sd:.1f} % within 1σ, {100 * self.within_2sd:.1f} % within 2σ, "
            f"mean z {self.mean_z:+.2f}"
        )


def calibrate(
    simulation: Simulation, days: int, horizon_days: int = 1, policy: Policy | None = None, skip_days: int = 7
) -> Calibration:
    """Run ``days`` days (the contract rota unless ``policy``) and score the predictions made after
    the first ``skip_days`` (the estimator's warm-up from the city's averages)."""
    world = simulation.world
    run = policy or Rota(world.streets, simulation.crews, world.target, simulation.seed, START.date())
    result = Calibration(horizon_days=horizon_days)
    pending: list[tuple[int, list[StreetEstimate]]] = []
    cleaned: list[set[int]] = []
    for step in range(days):
        t = simulation.t
        if t >= world.days:
            break
        now = START + timedelta(days=t, hours=5)
        k = simulation.knowledge
        if step >= skip_days and t + horizon_days < world.days:
            at = now + timedelta(days=horizon_days)
            pending.append((t, [estimator.predict(k.current(i), at) for i in range(len(world.streets))]))
        outcome = simulation.step(run)
        picked = {v.street for v in world.volunteers if t in v.pick_days}
        cleaned.append(set(outcome.visited) | picked)
        # the morning of day t + 1 is the evening of day t: score the forecasts made horizon days ago
        made = t + 1 - horizon_days
        for day, forecasts in [p for p in pending if p[0] == made]:
            touched = set().union(*cleaned[day - (t - step) : step + 1]) if cleaned else set()
            truth = simulation.litter
            for i, forecast in enumerate(forecasts):
                if i in touched:
                    continue
                result.z.append((float(truth[i]) - forecast.mean_litter) / max(forecast.sd_litter, 1e-6))
        pending = [p for p in pending if p[0] > made]
    k = simulation.knowledge
    result.factors = k.weekdays.all_factors(sorted(set(k.kinds)))
    result.observations = k.weekdays.observations()
    return result


def main(argv: list[str] | None = None) -> None:
    """``python -m streetcare.sim.calibration [--seed N] [--days N] [--horizon N]``: the figures."""
    import argparse

    from .policies import crew_templates
    from .runner import deterministic_solver
    from .truth import build_world, load_city, load_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=35, help="simulated days under the contract rota")
    parser.add_argument("--horizon", type=int, default=1, help="days ahead each prediction looks")
    parser.add_argument("--skip-days", type=int, default=14, help="warm-up days not scored")
    args = parser.parse_args(argv)
    scenario = load_scenario(None)
    streets = load_city(scenario, args.seed)
    world = build_world(streets, scenario, args.days, args.seed)
    simulation = Simulation(world, crew_templates(scenario["crews"], streets), args.seed, deterministic_solver(60, 30))
    result = calibrate(simulation, args.days, horizon_days=args.horizon, skip_days=args.skip_days)
    print(result.summary())
    print(f"weekday factors learnt from {result.observations} measurements (Monday … Sunday):")
    for kind, factors in result.factors.items():
        print(f"  {kind:12s} " + " ".join(f"{f:.2f}" for f in factors))


if __name__ == "__main__":
    main()
