"""``bound`` — perfect foresight: what no policy can beat at its cleanliness.

It sees the hidden truth (today's true litter, every street's true build-up, dumping and the
volunteers' picks over the next days) and cleans each street on the last day before it would pass
``target − slack`` (the knob: 0 cleans at the last moment, more slack cleans earlier and more often;
a negative slack lets each street pass its target by that many litter units first, which is how the
bound reaches the lower cleanliness of a cheaper policy at the least cost).
Neighbouring streets that would pass within ``group_days`` and lie within ``group_radius_m`` of a
street cleaned today are offered to the same crews (grouped: cleaned while the crew is there, if
the shift has room). Crews are sent out as the day's must-clean streets need, and routed with the
same ``plan_day`` as every policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np

from kernel.geo import haversine_to_points_m
from services.scheduling.planning.levels import litter_upper_bound
from services.scheduling.planning.routing import DayPlan, StreetCandidate

from .policies import ROTA_PRIZE_S_PER_M, CrewTemplate, Policy, _candidate, _route, street_network
from .rota import crews_for
from .truth import LITTER_CEILING, VOLUNTEER_PICK_SPEED_M_PER_MIN, World

SOON_PRIZE_S_PER_M = 8.0
"""A street due within days is cleaned anyway; today it is worth about its cleaning time twice over
(on foot ~4 s a metre), so the router takes it only where it is next to today's work."""
"""A street that must be cleaned today outranks any grouped neighbour."""


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


def forecast_day_means(world: World, shares: np.ndarray, litter: np.ndarray, t: int, days: int) -> np.ndarray:
    """[k, street] the true day-mean litter of days ``t … t+days-1`` if no crew comes."""
    means = []
    current = litter.copy()
    for d in range(t, min(world.days, t + days)):
        mid = np.minimum(current + world.build_up[d] / 2.0, LITTER_CEILING)
        mid = (1.0 - shares[d]) * mid + shares[d] * world.volunteer_residual[d]
        evening = np.minimum(mid + world.build_up[d] / 2.0 + world.dumping[d], LITTER_CEILING)
        means.append((current + evening) / 2.0)
        current = evening
    return np.array(means)


class Bound(Policy):
    """Clean each street just before it would pass its target; group neighbours due soon."""

    name = "bound"

    def __init__(
        self,
        world: World,
        crews: Sequence[CrewTemplate],
        seed: int,
        start: date,
        slack: float = 0.0,
        group_days: int = 2,
        group_radius_m: float = 250.0,
    ) -> None:
        self.world = world
        self.streets = world.streets
        self.network = street_network(self.streets)
        self.crews = list(crews)
        self.seed = seed
        self.start = start
        self.threshold = litter_upper_bound(world.target) - slack
        self.group_days = group_days
        self.group_radius_m = group_radius_m
        self.shares = volunteer_shares(world)
        self.litter = world.initial_litter.copy()
        self.lat = np.array([s.lat for s in world.streets])
        self.lon = np.array([s.lon for s in world.streets])

    def see(self, litter: np.ndarray) -> None:
        """The true litter this morning (perfect foresight starts from the truth)."""
        self.litter = litter.copy()

    def _near(self, must: np.ndarray) -> np.ndarray:
        """Streets within the grouping radius of any street in ``must``."""
        if not must.any():
            return np.zeros(len(self.streets), dtype=bool)
        metres = haversine_to_points_m(self.lat, self.lon, self.lat[must], self.lon[must])
        return np.asarray((metres <= self.group_radius_m).any(axis=1), dtype=bool)

    def plan(self, day: date, now: datetime) -> DayPlan:
        t = (day - self.start).days
        means = forecast_day_means(self.world, self.shares, self.litter, t, self.group_days + 2)
        passes = means >= self.threshold
        must = np.asarray(passes[: min(2, len(passes))].any(axis=0), dtype=bool)
        soon = passes.any(axis=0) & ~must & self._near(must)
        candidates: list[StreetCandidate] = []
        for i in np.nonzero(must)[0]:
            street = self.streets[int(i)]
            overdue = 1.0 + max(0.0, float(means[0, i]) - self.threshold)
            candidates.append(
                _candidate(street, int(i), street.length_m * ROTA_PRIZE_S_PER_M * overdue, "would pass its target")
            )
        for i in np.nonzero(soon)[0]:
            street = self.streets[int(i)]
            candidates.append(
                _candidate(
                    street, int(i), street.length_m * SOON_PRIZE_S_PER_M, "due within days, next to today's work"
                )
            )
        must_metres = sum(c.length_m for c in candidates[: int(must.sum())])
        if not candidates:
            return _route([], [], self.seed + t, self.stop)
        crews = crews_for(self.crews, day, must_metres)
        return _route(candidates, crews, self.seed + t, self.stop, self.network)


__all__ = ["Bound", "forecast_day_means", "volunteer_shares"]
