"""``bound`` — perfect foresight: the product's own rule, fed the hidden truth instead of estimates.

It sees what no city knows: each street's true litter this morning and how it will really build up
over the next two days (its true rate, the weather, dumping, and the volunteers' picks as they will
happen). It plans with exactly the code and defaults the scheduling service plans with
(:func:`planning.engine.plan_streets`: the effort rule in crew-seconds, the cost-aware router, the
share of a shift a crew costs), so the only difference from ``adaptive`` is what is known: the gap
between the two is what better knowledge could still buy, and a policy that beats the bound at
equal cleanliness has found something the product's rule does not do.

Its knob is the same effort level as ``adaptive``'s. It is a bound in that sense (the product with
nothing left to estimate), not a proven optimum: the router is a heuristic, and a planner over several
days at once could pool work further.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np

from services.scheduling.planning.coverage import Adoption
from services.scheduling.planning.estimator import StreetEstimate
from services.scheduling.planning.routing import DayPlan

from .policies import Adaptive, CrewTemplate, Knowledge
from .truth import LITTER_CEILING, VOLUNTEER_PICK_SPEED_M_PER_MIN, World

FORESIGHT_DAYS = 2
"""The days of truth the bound sees: the product's rule looks one day past the planned day."""


def volunteer_shares(world: World) -> np.ndarray:
    """[day, street] share of the street the volunteers clean that day (the truth's picks)."""
    shares = np.zeros((world.days, len(world.streets)))
    for volunteer in world.volunteers:
        length = world.streets[volunteer.street].length_m
        for day, minutes in volunteer.pick_days.items():
            if 0 <= day < world.days:
                share = min(1.0, minutes * VOLUNTEER_PICK_SPEED_M_PER_MIN / length)
                shares[day, volunteer.street] = max(shares[day, volunteer.street], share)
    return shares


def forecast_evenings(world: World, shares: np.ndarray, litter: np.ndarray, t: int, days: int) -> np.ndarray:
    """[k, street] the true litter at the end of days ``t … t+days-1`` if no crew comes (the truth's
    own day: half the build-up, the volunteers' picks, the other half and any dumping)."""
    evenings = []
    current = litter.copy()
    for d in range(t, min(world.days, t + days)):
        mid = np.minimum(current + world.build_up[d] / 2.0, LITTER_CEILING)
        mid = (1.0 - shares[d]) * mid + shares[d] * world.volunteer_residual[d]
        current = np.minimum(mid + world.build_up[d] / 2.0 + world.dumping[d], LITTER_CEILING)
        evenings.append(current)
    return np.array(evenings)


class Bound(Adaptive):
    """The product's planning (``Adaptive``) with the truth in place of the estimates."""

    name = "bound"

    def __init__(
        self,
        world: World,
        crews: Sequence[CrewTemplate],
        knowledge: Knowledge,
        seed: int,
        start: date,
        effort_level: float = 1.0,
    ) -> None:
        super().__init__(world.streets, crews, knowledge, world.target, seed, effort_level=effort_level)
        self.world = world
        self.start = start
        self.shares = volunteer_shares(world)
        self.litter = world.initial_litter.copy()
        self.rates = np.zeros(len(world.streets))

    def see(self, litter: np.ndarray) -> None:
        """The true litter this morning (perfect foresight starts from the truth)."""
        self.litter = litter.copy()

    def plan(self, day: date, now: datetime) -> DayPlan:
        t = (day - self.start).days
        evenings = forecast_evenings(self.world, self.shares, self.litter, t, FORESIGHT_DAYS)
        if len(evenings):
            self.rates = np.maximum(0.0, (evenings[-1] - self.litter) / len(evenings))
        return super().plan(day, now)

    def estimate(self, i: int, now: datetime) -> StreetEstimate:
        """Known exactly: the true litter now, and the true build-up per day over the days ahead."""
        return StreetEstimate(
            mean_litter=float(self.litter[i]),
            var_litter=0.0,
            rate_mean=float(self.rates[i]),
            rate_var=0.0,
            as_of=now,
            length_m=self.streets[i].length_m,
        )

    def adoptions(self, i: int) -> tuple[Adoption, ...]:
        """None to weigh: the volunteers' real picks are already in the foreseen litter."""
        return ()


__all__ = ["FORESIGHT_DAYS", "Bound", "forecast_evenings", "volunteer_shares"]
