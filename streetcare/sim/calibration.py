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
