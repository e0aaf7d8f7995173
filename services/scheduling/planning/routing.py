"""Prize-collecting crew routing for one day, solved with PyVRP.

Why this shape: every candidate street is optional and carries a prize (the
policy's expected shortfall nobody else covers); crews have a depot, a shift
and a way of working.  Selecting and ordering visits to collect the most prize
within the shifts is a prize-collecting VRP, which PyVRP solves well.

Scaling: a city has tens of thousands of streets but a day's crews can clean a
few thousand at most.  So before routing, candidates are handed out to *crew
groups* (crews of one mode sharing a depot), best prize first, nearest group
first, until each group holds ``overselect`` × its shift capacity in work —
top-K by prize per crew capacity.  A group whose share is still larger than
``max_clients_per_subproblem`` is cut into angular sectors around its depot,
with its crews split over the sectors.  Each sub-problem is one mode (one
speed profile) and at most ~1,500 clients, and gets a share of the time budget
proportional to its size.

Modes: PyVRP 0.14 cannot forbid a client to a vehicle type, so modes are kept
apart by construction: sub-problems never mix modes.  A stop with
``required_mode`` only goes to that mode's groups; plain streets go to any
street-cleaning mode (on foot, sweeper).

Fixed visits (done or under way) stay at the start of their crew's route: they
are not given to the solver; the crew's vehicle starts at the last fixed visit,
at the time that visit ends.

Warm start: the previous plan's routes seed the solver, but a warm start must
not keep new urgent work out (the old routes are a local optimum without it).
Before solving, new candidates are inserted into the warm routes, best prize
first, at the cheapest feasible position, displacing lower-prize visits when
the shift is full (``repair_warm_start``).

Times: travel = the shortest path along the streets (:mod:`network`, the foot graph for crews on
foot, the vehicle graph — one-ways respected, pedestrian streets out — for vehicles) ÷ mode travel
speed, when the caller gives the street network; a stop without a link to it (and every stop when
there is no network) falls back to haversine distance (the kernel's one geodesy,
:mod:`kernel.geo`) × ``DETOUR_FACTOR``, and is counted in :class:`TravelStats`.
Each route has its ``path``: the line along the streets it walks or drives (straight hops on the fallback);
service = street length ÷ mode cleaning speed (foot crews: per person × size),
or the stop's own ``service_seconds``; all integer seconds.

One unit: a candidate's prize is in **crew-seconds** (what avoiding its shortfall is worth,
:mod:`policy`), and a route costs its duration in seconds (travel + service), so the solver leaves
out a visit that costs more than it is worth.  Sending a crew out at all costs ``crew_shift_share``
of its shift (PyVRP's vehicle fixed cost, and a check of each route as a whole after the solver,
:func:`_keep_home_crews_not_worth_a_shift`), so a crew that is not needed stays home.

Stopping: the caller chooses (:class:`SolverStop`) — a wall-clock budget for the service, a fixed
iteration count for the simulator and the tests (the same seed then gives the same plan).

Solving elsewhere: the sub-problems are independent, so :func:`plan_day` is three steps a caller may
also take apart — :func:`split_day` cuts the day (:class:`DaySplit`), each sub-problem is plain,
JSON-ready data (:meth:`DaySplit.subproblem`: its travel matrix included, so solving needs no street
network) that :func:`solve_subproblem` solves in any process, and :func:`join_day` joins their
solutions into the day's plan.  A :class:`Distribution` given to :func:`plan_day` does that through
the caller's own means (the workers: a Celery group); a sub-problem it brings back no usable solution
for is solved here.  The same sub-problem and seed give the same routes wherever they are solved.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from itertools import pairwise
from typing import Any

import numpy as np
from pyvrp import (
    Client,
    Depot,
    Location,
    ProblemData,
    Route,
    Solution,
    VehicleType,
    solve,
)
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement, StoppingCriterion

from kernel.geo import haversine_m, haversine_matrix_m, haversine_to_points_m

from . import reasons
from .network import DETOUR_FACTOR, FOOT, VEHICLE, Place, RoadNetwork
from .reasons import Part

__all__ = [
    "DETOUR_FACTOR",
    "GENERAL_CLEANING_MODES",
    "MODE_SPEEDS",
    "Crew",
    "CrewMode",
    "CrewRoute",
    "DayPlan",
    "DaySplit",
    "Distribution",
    "DroppedCandidate",
    "ModeSpeeds",
    "PlannedVisit",
    "SolverStop",
    "StreetCandidate",
    "SubproblemSolver",
    "SubproblemStats",
    "TravelStats",
    "haversine_m",
    "join_day",
    "plan_day",
    "service_seconds",
    "solve_subproblem",
    "split_day",
]

MAX_PRIZE_S = 10**12
"""Prizes are crew-seconds; a larger one is clipped (it would only overflow the solver's integers)."""
PAID_DAY_SECONDS = 8 * 3600
"""A crew available longer than a working day (on call all day, like the test stacks' crews) is paid
one working day when sent out: its ``crew_shift_share`` is of at most this."""
TRAVEL_ALLOWANCE_S = 90
"""Travel assumed per visit when sizing a group's share of candidates."""
NEAREST_GROUPS_TRIED = 3
LEFTOVERS_OFFERED = 300
"""How many left-out visits (best prize first) are offered to crews out anyway after solving."""
MIN_SUBPROBLEM_BUDGET_S = 0.05
NOT_WORTH_IT = reasons.text(reasons.part("not_worth_it"))
NOT_WORTH_THE_TRIP = reasons.text(reasons.part("not_worth_the_trip"))


@dataclass(frozen=True)
class SolverStop:
    """When PyVRP stops: after ``seconds`` of wall clock (shared over the sub-problems), or after
    ``iterations`` per sub-problem (or ``no_improvement`` iterations without a better solution) —
    the latter does not depend on the machine's speed, so the same seed gives the same plan."""

    seconds: float | None = None
    iterations: int | None = None
    no_improvement: int | None = None

    def __post_init__(self) -> None:
        if (self.seconds is None) == (self.iterations is None):
            raise ValueError("a solver stop is either a time budget or an iteration count")

    @classmethod
    def after_seconds(cls, seconds: float, no_improvement: int | None = None) -> SolverStop:
        """A time budget; with ``no_improvement``, also stop a sub-problem once that many iterations
        in a row found nothing better (a converged day need not burn its whole budget)."""
        return cls(seconds=max(0.0, float(seconds)), no_improvement=no_improvement)

    @classmethod
    def after_iterations(cls, iterations: int, no_improvement: int | None = None) -> SolverStop:
        return cls(iterations=max(1, int(iterations)), no_improvement=no_improvement)

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for a sub-problem solved elsewhere (:meth:`from_dict` reads it back)."""
        return {"seconds": self.seconds, "iterations": self.iterations, "no_improvement": self.no_improvement}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SolverStop:
        return cls(data.get("seconds"), data.get("iterations"), data.get("no_improvement"))

    def criterion(self, share_s: float) -> StoppingCriterion:
        """A fresh criterion for one sub-problem (``share_s``: its share of a time budget)."""
        criteria: list[StoppingCriterion] = (
            [MaxRuntime(max(share_s, MIN_SUBPROBLEM_BUDGET_S))]
            if self.iterations is None
            else [MaxIterations(self.iterations)]
        )
        if self.no_improvement is not None:
            criteria.append(NoImprovement(max(1, self.no_improvement)))
        return criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)


class CrewMode(Enum):
    """How a crew works: decides speeds and which stops it can serve."""

    FOOT = "foot"
    SWEEPER = "sweeper"
    BULKY_TRUCK = "bulky_truck"


@dataclass(frozen=True)
class ModeSpeeds:
    """Speeds of a mode: cleaning (along the street) and travelling between streets."""

    cleaning_m_per_s: float
    travel_m_per_s: float
    cleaning_scales_with_crew_size: bool
    min_service_s: int


MODE_SPEEDS: dict[CrewMode, ModeSpeeds] = {
    # a person with broom and cart does ~0.9 km of street an hour; crews walk with the cart
    CrewMode.FOOT: ModeSpeeds(0.25, 1.3, True, 120),
    # a compact sweeper ~4 km/h while sweeping, ~18 km/h in city traffic
    CrewMode.SWEEPER: ModeSpeeds(1.1, 5.0, False, 120),
    # the bulky-waste truck stops, loads, drives on; its stops carry their own service time
    CrewMode.BULKY_TRUCK: ModeSpeeds(3.0, 6.0, False, 300),
}

GENERAL_CLEANING_MODES: tuple[CrewMode, ...] = (CrewMode.FOOT, CrewMode.SWEEPER)
"""Modes that may clean a street that does not ask for a specific mode."""


@dataclass(frozen=True)
class StreetCandidate:
    """A street (or stop on it) a crew could visit today, with what visiting it is worth."""

    id: str
    district: str
    lat: float
    lon: float
    length_m: float
    prize: float
    reason: str
    required_mode: CrewMode | None = None
    service_seconds: int | None = None
    street_id: str | None = None
    reason_parts: tuple[Part, ...] = ()
    """The reason as codes and params (:mod:`reasons`); ``reason`` is its English text."""

    @property
    def street(self) -> str:
        return self.street_id if self.street_id is not None else self.id

    def can_be_served_by(self, mode: CrewMode) -> bool:
        if self.required_mode is not None:
            return self.required_mode is mode
        return mode in GENERAL_CLEANING_MODES


@dataclass(frozen=True)
class Crew:
    """A crew available on the planned day, with its depot and shift."""

    id: str
    name: str
    size: int
    mode: CrewMode
    depot_lat: float
    depot_lon: float
    shift_start: datetime
    shift_end: datetime

    @property
    def shift_seconds(self) -> int:
        return max(0, int((self.shift_end - self.shift_start).total_seconds()))


@dataclass(frozen=True)
class PlannedVisit:
    """One stop on a crew's route, in order."""

    candidate_id: str
    street_id: str
    reason: str
    eta: datetime
    seconds_after_shift_start: int
    service_seconds: int
    prize: float
    fixed: bool = False
    reason_parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class CrewRoute:
    crew_id: str
    visits: tuple[PlannedVisit, ...]
    travel_seconds: int
    service_seconds: int
    returns_at: datetime
    path: tuple[tuple[float, float], ...] = ()
    """``(lon, lat)`` points from the depot through every visit back to it, along the streets
    (straight hops where a stop has no link to the street network); empty for a crew that stays home."""

    @property
    def candidate_ids(self) -> tuple[str, ...]:
        return tuple(visit.candidate_id for visit in self.visits)


@dataclass(frozen=True)
class DroppedCandidate:
    candidate_id: str
    why: str
    why_part: Part | None = None
    """``why`` as a code and params (:mod:`reasons`)."""


@dataclass(frozen=True)
class SubproblemStats:
    mode: CrewMode
    crews: int
    clients: int
    budget_s: float
    prize_collected: float
    warm_started: bool
    inserted_by_repair: int
    matrix_seconds: float = 0.0
    """Time spent building the sub-problem's travel matrix."""
    solve_seconds: float = 0.0
    """Time the solver took on it (wherever it ran)."""
    solved_by: str = ""
    """Where it was solved: ``""`` in this process, else what the :class:`Distribution` named (a worker)."""


@dataclass(frozen=True)
class TravelStats:
    """How the day's travel times were found: along the street network, or on the straight-line
    fallback (straight distance × ``DETOUR_FACTOR``) for stops and depots without a link to it, or
    linked only to a piece of it that a straight-line bridge joins to the rest."""

    road_network: bool = False
    stops_on_network: int = 0
    stops_straight_line: int = 0
    """Stops and depots (each counted once) whose travel used the straight-line fallback."""

    def as_dict(self) -> dict[str, object]:
        return {
            "road_network": self.road_network,
            "stops_on_network": self.stops_on_network,
            "stops_straight_line": self.stops_straight_line,
        }


@dataclass(frozen=True)
class DayPlan:
    """The day's routes per crew, what was left out and why, and how it was solved."""

    routes: dict[str, CrewRoute]
    dropped: tuple[DroppedCandidate, ...]
    prize_collected: float
    prize_available: float
    subproblems: tuple[SubproblemStats, ...] = field(default_factory=tuple)
    travel: TravelStats = field(default_factory=TravelStats)

    def planned_candidate_ids(self) -> set[str]:
        return {visit.candidate_id for route in self.routes.values() for visit in route.visits}


# --- geometry and times -----------------------------------------------------


def travel_seconds(distance_m: float, mode: CrewMode) -> int:
    return round(distance_m * DETOUR_FACTOR / MODE_SPEEDS[mode].travel_m_per_s)


def cleaning_seconds(length_m: float, mode: CrewMode, crew_size: int = 1) -> float:
    """A street's length ÷ the cleaning speed of a crew of this mode and size (unrounded): what
    the router charges for a visit and the policy reckons a trip of its own with."""
    speeds = MODE_SPEEDS[mode]
    speed = speeds.cleaning_m_per_s
    if speeds.cleaning_scales_with_crew_size:
        speed *= max(1, crew_size)
    return length_m / speed


def service_seconds(candidate: StreetCandidate, mode: CrewMode, crew_size: int = 1) -> int:
    """Time on site: the stop's own service time, or its cleaning time (at least the mode's minimum)."""
    if candidate.service_seconds is not None:
        return max(0, int(candidate.service_seconds))
    return max(MODE_SPEEDS[mode].min_service_s, round(cleaning_seconds(candidate.length_m, mode, crew_size)))


GRAPH_OF_MODE: dict[CrewMode, str] = {CrewMode.FOOT: FOOT, CrewMode.SWEEPER: VEHICLE, CrewMode.BULKY_TRUCK: VEHICLE}
"""Which graph of the street network a mode travels on."""


@dataclass(frozen=True)
class _Stop:
    """A place a crew travels from or to: a candidate (``key`` its id) or a depot."""

    key: str
    lat: float
    lon: float
    street: str | None = None
    whole_street: bool = False

    @classmethod
    def of(cls, candidate: StreetCandidate) -> _Stop:
        cleans = candidate.service_seconds is None and candidate.length_m > 0
        return cls(candidate.id, candidate.lat, candidate.lon, candidate.street, cleans)

    @classmethod
    def depot(cls, lat: float, lon: float) -> _Stop:
        return cls(f"depot {lat:.6f},{lon:.6f}", lat, lon)


class _Travel:
    """Travel seconds for one ``plan_day`` call: along the street network when there is one, else
    (and for a stop without a link to it) straight distance × ``DETOUR_FACTOR``, counted."""

    def __init__(self, network: RoadNetwork | None) -> None:
        self.network = network
        self.used: set[str] = set()
        self.straight: set[str] = set()
        self._pairs: dict[tuple[CrewMode, str, str], int] = {}

    def _places(self, stops: Sequence[_Stop]) -> list[Place]:
        return [Place(s.lat, s.lon, s.street, s.whole_street) for s in stops]

    def _note(self, mode: CrewMode, stops: Sequence[_Stop]) -> None:
        for stop in stops:
            self.used.add(stop.key)
            place = Place(stop.lat, stop.lon, stop.street, stop.whole_street)
            graph = GRAPH_OF_MODE[mode]
            if self.network is None or not self.network.on_main(graph, self.network.link(graph, place)[0]):
                self.straight.add(stop.key)

    def matrix(self, mode: CrewMode, stops: Sequence[_Stop]) -> np.ndarray:
        """All-pairs integer seconds between ``stops``."""
        self._note(mode, stops)
        lats = np.array([s.lat for s in stops])
        lons = np.array([s.lon for s in stops])
        speed = MODE_SPEEDS[mode].travel_m_per_s
        straight = haversine_matrix_m(lats, lons)
        if self.network is None:
            return np.rint(straight * (DETOUR_FACTOR / speed)).astype(np.int64)
        road = self.network.matrix_m(GRAPH_OF_MODE[mode], self._places(stops))
        metres = np.where(np.isnan(road), straight * DETOUR_FACTOR, road)
        return np.rint(metres / speed).astype(np.int64)

    def pairs(self, mode: CrewMode, hops: Sequence[tuple[_Stop, _Stop]]) -> list[int]:
        """Integer seconds for each ``(from, to)`` hop."""
        self._note(mode, [stop for hop in hops for stop in hop])
        missing = [(a, b) for a, b in hops if (mode, a.key, b.key) not in self._pairs]
        if missing:
            if self.network is None:
                for a, b in missing:
                    self._pairs[(mode, a.key, b.key)] = travel_seconds(haversine_m(a.lat, a.lon, b.lat, b.lon), mode)
            else:
                origins = list({a.key: a for a, _ in missing}.values())
                targets = list({b.key: b for _, b in missing}.values())
                road = self.network.distances_m(GRAPH_OF_MODE[mode], self._places(origins), self._places(targets))
                row = {stop.key: k for k, stop in enumerate(origins)}
                col = {stop.key: k for k, stop in enumerate(targets)}
                speed = MODE_SPEEDS[mode].travel_m_per_s
                for a, b in missing:
                    metres = float(road[row[a.key], col[b.key]])
                    if a.key == b.key:
                        seconds = 0
                    elif math.isnan(metres):
                        seconds = travel_seconds(haversine_m(a.lat, a.lon, b.lat, b.lon), mode)
                    else:
                        seconds = round(metres / speed)
                    self._pairs[(mode, a.key, b.key)] = seconds
        return [self._pairs[(mode, a.key, b.key)] for a, b in hops]

    def path(self, mode: CrewMode, stops: Sequence[_Stop]) -> tuple[tuple[float, float], ...]:
        """``(lon, lat)`` points through ``stops`` in order, along the streets where linked."""
        if self.network is not None:
            return tuple(self.network.path(GRAPH_OF_MODE[mode], self._places(stops)))
        line: list[tuple[float, float]] = []
        for stop in stops:
            if not line or line[-1] != (stop.lon, stop.lat):
                line.append((stop.lon, stop.lat))
        return tuple(line)

    def stats(self) -> TravelStats:
        return TravelStats(self.network is not None, len(self.used - self.straight), len(self.straight))


# --- crews after their fixed visits -----------------------------------------


@dataclass
class _CrewStart:
    """Where and when a crew is free for new work, after its fixed visits."""

    crew: Crew
    lat: float
    lon: float
    free_after_s: int
    fixed: list[PlannedVisit]
    fixed_travel_s: int
    fixed_service_s: int
    here: _Stop
    """Where the crew is free for new work: its depot, or its last fixed visit."""
    fixed_stops: list[_Stop] = field(default_factory=list)

    @property
    def depot(self) -> _Stop:
        return _Stop.depot(self.crew.depot_lat, self.crew.depot_lon)


def _visit_at(crew: Crew, candidate: StreetCandidate, clock: int, service: int, fixed: bool = False) -> PlannedVisit:
    """``candidate`` reached ``clock`` seconds into ``crew``'s shift."""
    return PlannedVisit(
        candidate_id=candidate.id,
        street_id=candidate.street,
        reason=candidate.reason,
        reason_parts=candidate.reason_parts,
        eta=crew.shift_start + timedelta(seconds=clock),
        seconds_after_shift_start=clock,
        service_seconds=service,
        prize=candidate.prize,
        fixed=fixed,
    )


def _crew_start(crew: Crew, fixed: Sequence[StreetCandidate], travel: _Travel) -> _CrewStart:
    lat, lon, clock = crew.depot_lat, crew.depot_lon, 0
    visits: list[PlannedVisit] = []
    travel_total = service_total = 0
    stops = [_Stop.depot(crew.depot_lat, crew.depot_lon), *(_Stop.of(c) for c in fixed)]
    hops = travel.pairs(crew.mode, list(pairwise(stops))) if fixed else []
    for candidate, hop in zip(fixed, hops, strict=True):
        clock += hop
        service = service_seconds(candidate, crew.mode, crew.size)
        visits.append(_visit_at(crew, candidate, clock, service, fixed=True))
        clock += service
        travel_total += hop
        service_total += service
        lat, lon = candidate.lat, candidate.lon
    return _CrewStart(crew, lat, lon, clock, visits, travel_total, service_total, stops[-1], stops[1:])


# --- splitting into sub-problems --------------------------------------------


@dataclass
class _Group:
    mode: CrewMode
    depot_lat: float
    depot_lon: float
    starts: list[_CrewStart]
    budget_s: float
    members: list[int] = field(default_factory=list)  # candidate indices

    @property
    def mean_size(self) -> int:
        return max(1, round(sum(s.crew.size for s in self.starts) / len(self.starts)))

    @property
    def longest_remaining_s(self) -> int:
        return max(s.crew.shift_seconds - s.free_after_s for s in self.starts)


@dataclass
class _Subproblem:
    mode: CrewMode
    starts: list[_CrewStart]
    members: list[int]


def _make_groups(starts: Sequence[_CrewStart], overselect: float) -> list[_Group]:
    groups: dict[tuple[CrewMode, float, float], _Group] = {}
    for start in starts:
        remaining = start.crew.shift_seconds - start.free_after_s
        if remaining <= 0:
            continue
        key = (start.crew.mode, round(start.crew.depot_lat, 4), round(start.crew.depot_lon, 4))
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(start.crew.mode, start.crew.depot_lat, start.crew.depot_lon, [], 0.0)
        group.starts.append(start)
        group.budget_s += overselect * remaining
    return list(groups.values())


def _assign_candidates(candidates: Sequence[StreetCandidate], groups: Sequence[_Group]) -> dict[int, Part]:
    """Hand candidates to groups, best prize first, nearest eligible group with room first.

    Returns why each unassigned candidate was left out.
    """
    left_out: dict[int, Part] = {}
    if not candidates:
        return left_out
    if not groups:
        return dict.fromkeys(range(len(candidates)), reasons.part("no_crew"))
    lats = np.array([c.lat for c in candidates])
    lons = np.array([c.lon for c in candidates])
    depot_lats = np.array([g.depot_lat for g in groups])
    depot_lons = np.array([g.depot_lon for g in groups])
    to_depot_m = haversine_to_points_m(lats, lons, depot_lats, depot_lons)
    group_modes = [g.mode for g in groups]
    order = sorted(range(len(candidates)), key=lambda i: (-candidates[i].prize, candidates[i].id))
    for index in order:
        candidate = candidates[index]
        if candidate.prize <= 0:
            left_out[index] = reasons.part("nothing_to_gain")
            continue
        eligible = [g for g in range(len(groups)) if candidate.can_be_served_by(group_modes[g])]
        if not eligible:
            left_out[index] = (
                reasons.part("no_crew_of_mode", mode=candidate.required_mode.value)
                if candidate.required_mode
                else reasons.part("no_cleaning_crew")
            )
            continue
        eligible.sort(key=lambda g: to_depot_m[index, g])
        reason = reasons.part("crews_full")
        worth_it = False
        for g in eligible[:NEAREST_GROUPS_TRIED]:
            group = groups[g]
            service = service_seconds(candidate, group.mode, group.mean_size)
            if candidate.prize <= service:
                continue  # cleaning it alone costs more crew time than it is worth
            worth_it = True
            round_trip = 2 * travel_seconds(float(to_depot_m[index, g]), group.mode)
            if round_trip + service > group.longest_remaining_s:
                reason = reasons.part("out_of_reach")
                continue
            cost = service + TRAVEL_ALLOWANCE_S
            if group.budget_s >= cost:
                group.members.append(index)
                group.budget_s -= cost
                break
        else:
            left_out[index] = reason if worth_it else reasons.part("not_worth_it")
    return left_out


def _split_group(
    group: _Group, candidates: Sequence[StreetCandidate], max_clients: int
) -> tuple[list[_Subproblem], list[int]]:
    """Cut an oversized group into angular sectors around its depot; return the overflow."""
    members = group.members
    parts = max(1, math.ceil(len(members) / max_clients))
    parts = min(parts, len(group.starts))
    overflow: list[int] = []
    if len(members) > parts * max_clients:
        members = sorted(members, key=lambda i: -candidates[i].prize)
        overflow = members[parts * max_clients :]
        members = members[: parts * max_clients]
    if parts == 1:
        return [_Subproblem(group.mode, list(group.starts), list(members))], overflow
    angle = {i: math.atan2(candidates[i].lat - group.depot_lat, candidates[i].lon - group.depot_lon) for i in members}
    members = sorted(members, key=lambda i: angle[i])
    crews = sorted(group.starts, key=lambda s: s.crew.id)
    subproblems: list[_Subproblem] = []
    for part in range(parts):
        crew_slice = crews[part::parts]
        low = round(part * len(members) / parts)
        high = round((part + 1) * len(members) / parts)
        subproblems.append(_Subproblem(group.mode, crew_slice, members[low:high]))
    return subproblems, overflow


# --- one sub-problem as plain data, and solving it ------------------------------

SUBPROBLEM_FORMAT = 1
"""The version of the plain data a sub-problem and its solution are written in."""


@dataclass
class _Instance:
    """A sub-problem ready for PyVRP, rebuilt from its plain data (:func:`_instance`)."""

    data: ProblemData
    durations: np.ndarray
    crew_ids: list[str]
    client_ids: list[str]
    service: list[int]
    start_location: list[int]
    end_location: list[int]
    start_offset: list[int]
    end_offset: list[int]
    prize_int: list[int]
    fixed_cost: list[int]


def _encode_matrix(matrix: np.ndarray) -> dict[str, Any]:
    """A square integer matrix as JSON-ready data: its size and its int32 cells, row by row, in base64
    (about a third of the size of a list of lists, and read back without a Python object per cell)."""
    if matrix.size and (int(matrix.max()) > np.iinfo(np.int32).max or int(matrix.min()) < 0):
        raise ValueError("travel seconds outside the int32 range")
    return {
        "size": int(matrix.shape[0]),
        "int32_base64": base64.b64encode(np.ascontiguousarray(matrix, dtype="<i4").tobytes()).decode("ascii"),
    }


def _decode_matrix(encoded: Mapping[str, Any]) -> np.ndarray:
    size = int(encoded["size"])
    cells = np.frombuffer(base64.b64decode(encoded["int32_base64"]), dtype="<i4")
    if cells.size != size * size:
        raise ValueError(f"a {size}×{size} matrix needs {size * size} cells, not {cells.size}")
    return cells.reshape(size, size).astype(np.int64)


def _shift_cost(start: _CrewStart, crew_shift_share: float) -> int:
    """What sending ``start``'s crew out costs beyond its route (crew-seconds): its share of a paid
    day.  A crew with work already done or under way is out anyway, so only an idle crew costs it."""
    if start.fixed:
        return 0
    paid = min(start.crew.shift_seconds, PAID_DAY_SECONDS)
    return round(max(0.0, crew_shift_share) * paid)


def _subproblem_data(
    sub: _Subproblem, candidates: Sequence[StreetCandidate], crew_shift_share: float, travel: _Travel
) -> tuple[dict[str, Any], float]:
    """One sub-problem as JSON-ready data (depots, then one client per candidate, the travel matrix,
    one vehicle per crew) and the seconds its travel matrix took."""
    mode = sub.mode
    origin = min(s.crew.shift_start for s in sub.starts)
    depot_points: list[tuple[float, float]] = []
    depot_stops: list[_Stop] = []
    depot_index: dict[tuple[float, float], int] = {}

    def depot_for(stop: _Stop) -> int:
        key = (round(stop.lat, 6), round(stop.lon, 6))
        if key not in depot_index:
            depot_index[key] = len(depot_points)
            depot_points.append((stop.lat, stop.lon))
            depot_stops.append(stop)
        return depot_index[key]

    start_location: list[int] = []
    end_location: list[int] = []
    start_offset: list[int] = []
    end_offset: list[int] = []
    fixed_cost: list[int] = []
    for start in sub.starts:
        shift_from = int((start.crew.shift_start - origin).total_seconds())
        start_location.append(depot_for(start.here))
        end_location.append(depot_for(start.depot))
        start_offset.append(shift_from + start.free_after_s)
        end_offset.append(shift_from + start.crew.shift_seconds)
        fixed_cost.append(_shift_cost(start, crew_shift_share))

    matrix_started = time.perf_counter()
    durations = travel.matrix(mode, depot_stops + [_Stop.of(candidates[i]) for i in sub.members])
    matrix_seconds = time.perf_counter() - matrix_started

    mean_size = max(1, round(sum(s.crew.size for s in sub.starts) / len(sub.starts)))
    members = [candidates[i] for i in sub.members]
    data = {
        "format": SUBPROBLEM_FORMAT,
        "mode": mode.value,
        "depots": {"lat": [p[0] for p in depot_points], "lon": [p[1] for p in depot_points]},
        "clients": {
            "id": [c.id for c in members],
            "lat": [c.lat for c in members],
            "lon": [c.lon for c in members],
            "service_s": [service_seconds(c, mode, mean_size) for c in members],
            # prizes are crew-seconds, the same unit as the route durations the solver pays for
            "prize": [round(min(MAX_PRIZE_S, max(0.0, c.prize))) for c in members],
        },
        "vehicles": {
            "crew_id": [s.crew.id for s in sub.starts],
            "start_depot": start_location,
            "end_depot": end_location,
            "tw_early": start_offset,
            "tw_late": end_offset,
            "fixed_cost": fixed_cost,
        },
        "durations": _encode_matrix(durations),
        "warm_routes": None,
    }
    return data, matrix_seconds


def _instance(data: Mapping[str, Any]) -> _Instance:
    """PyVRP's ProblemData for a sub-problem's plain data (the same, wherever it is solved)."""
    if data.get("format") != SUBPROBLEM_FORMAT:
        raise ValueError(f"a sub-problem in format {data.get('format')!r}; this planner reads {SUBPROBLEM_FORMAT}")
    depots_, clients_, vehicles_ = data["depots"], data["clients"], data["vehicles"]
    num_depots = len(depots_["lat"])
    durations = _decode_matrix(data["durations"])
    lats = [*depots_["lat"], *clients_["lat"]]
    lons = [*depots_["lon"], *clients_["lon"]]
    if durations.shape[0] != len(lats):
        raise ValueError(f"{len(lats)} places but a travel matrix for {durations.shape[0]}")
    service = [int(s) for s in clients_["service_s"]]
    prize_int = [int(p) for p in clients_["prize"]]
    start_location = [int(v) for v in vehicles_["start_depot"]]
    end_location = [int(v) for v in vehicles_["end_depot"]]
    start_offset = [int(v) for v in vehicles_["tw_early"]]
    end_offset = [int(v) for v in vehicles_["tw_late"]]
    crew_ids = [str(c) for c in vehicles_["crew_id"]]
    locations = [Location(x=float(lons[k]), y=float(lats[k])) for k in range(len(lats))]
    depots = [Depot(location=k) for k in range(num_depots)]
    clients = [
        Client(location=num_depots + k, service_duration=service[k], prize=prize_int[k], required=False, name=name)
        for k, name in enumerate(clients_["id"])
    ]
    vehicle_types = [
        VehicleType(
            num_available=1,
            start_depot=start_location[v],
            end_depot=end_location[v],
            tw_early=start_offset[v],
            tw_late=end_offset[v],
            shift_duration=end_offset[v] - start_offset[v],
            # cost = route duration (travel + service), in seconds like the prizes
            fixed_cost=int(vehicles_["fixed_cost"][v]),
            unit_distance_cost=0,
            unit_duration_cost=1,
            name=crew_ids[v],
        )
        for v in range(len(crew_ids))
    ]
    problem = ProblemData(locations, clients, depots, vehicle_types, [durations], [durations])  # type: ignore[list-item]
    return _Instance(
        problem,
        durations,
        crew_ids,
        [str(c) for c in clients_["id"]],
        service,
        start_location,
        end_location,
        start_offset,
        end_offset,
        prize_int,
        [int(c) for c in vehicles_["fixed_cost"]],
    )


def _route_end_time(inst: _Instance, vehicle: int, visits: Sequence[int]) -> int:
    """Clock time the crew is back at its depot after ``visits`` (client indices)."""
    num_depots = inst.data.num_depots
    clock = inst.start_offset[vehicle]
    here = inst.start_location[vehicle]
    for client in visits:
        there = num_depots + client
        clock += int(inst.durations[here, there]) + inst.service[client]
        here = there
    return clock + int(inst.durations[here, inst.end_location[vehicle]])


def _fits(inst: _Instance, vehicle: int, visits: Sequence[int]) -> bool:
    return _route_end_time(inst, vehicle, visits) <= inst.end_offset[vehicle]


def _best_insertion(
    inst: _Instance, routes: list[list[int]], client: int, only_vehicle: int | None = None
) -> tuple[int, int, int] | None:
    """Cheapest feasible (extra seconds, vehicle, position) for ``client``, if any."""
    num_depots = inst.data.num_depots
    there = num_depots + client
    best: tuple[int, int, int] | None = None
    for vehicle, visits in enumerate(routes):
        if only_vehicle is not None and vehicle != only_vehicle:
            continue
        slack = inst.end_offset[vehicle] - _route_end_time(inst, vehicle, visits)
        path = [inst.start_location[vehicle], *[num_depots + c for c in visits], inst.end_location[vehicle]]
        for position in range(len(path) - 1):
            a, b = path[position], path[position + 1]
            extra = (
                int(inst.durations[a, there])
                + int(inst.durations[there, b])
                - int(inst.durations[a, b])
                + inst.service[client]
            )
            if extra <= slack and (best is None or extra < best[0]):
                best = (extra, vehicle, position)
    return best


def _repair(inst: _Instance, routes: list[list[int]], new_clients: Sequence[int]) -> int:
    """Insert new clients into warm routes, displacing lower-prize visits if needed."""
    inserted = 0
    for client in sorted(new_clients, key=lambda c: -inst.prize_int[c]):
        spot = _best_insertion(inst, routes, client)
        if spot is None:
            spot = _insert_by_displacement(inst, routes, client)
            if spot is None:
                continue
        _, vehicle, position = spot
        routes[vehicle].insert(position, client)
        inserted += 1
    return inserted


def _removal_saving(inst: _Instance, vehicle: int, visits: Sequence[int], position: int) -> int:
    """Seconds freed on the route by dropping the visit at ``position``."""
    num_depots = inst.data.num_depots
    path = [inst.start_location[vehicle], *[num_depots + c for c in visits], inst.end_location[vehicle]]
    before, here, after = path[position], path[position + 1], path[position + 2]
    detour = int(inst.durations[before, here]) + int(inst.durations[here, after]) - int(inst.durations[before, after])
    return detour + inst.service[visits[position]]


def _insert_by_displacement(inst: _Instance, routes: list[list[int]], client: int) -> tuple[int, int, int] | None:
    """Free room for ``client`` on the route where that costs the least prize.

    On each route, visits are dropped cheapest first by prize per second freed,
    until ``client`` fits or the prize given up would reach its own.
    """
    best_plan: tuple[int, int, list[int]] | None = None  # (prize lost, vehicle, trimmed route)
    for vehicle, visits in enumerate(routes):
        trimmed = list(visits)
        lost = 0
        while trimmed:
            position = min(
                range(len(trimmed)),
                key=lambda p: inst.prize_int[trimmed[p]] / max(1, _removal_saving(inst, vehicle, trimmed, p)),
            )
            if lost + inst.prize_int[trimmed[position]] >= inst.prize_int[client]:
                break
            lost += inst.prize_int[trimmed.pop(position)]
            trial = [trimmed if v == vehicle else r for v, r in enumerate(routes)]
            if _best_insertion(inst, trial, client, only_vehicle=vehicle):
                if best_plan is None or lost < best_plan[0]:
                    best_plan = (lost, vehicle, list(trimmed))
                break
    if best_plan is None:
        return None
    _, vehicle, trimmed = best_plan
    routes[vehicle][:] = trimmed
    return _best_insertion(inst, routes, client, only_vehicle=vehicle)


def _warm_routes(inst: _Instance, previous: DayPlan, repair: bool) -> tuple[list[list[int]], int]:
    client_of = {candidate_id: k for k, candidate_id in enumerate(inst.client_ids)}
    previously_planned = previous.planned_candidate_ids()
    routes: list[list[int]] = []
    used: set[int] = set()
    for vehicle, crew_id in enumerate(inst.crew_ids):
        old = previous.routes.get(crew_id)
        visits = []
        if old is not None:
            for visit in old.visits:
                client = client_of.get(visit.candidate_id)
                if client is not None and client not in used and not visit.fixed:
                    visits.append(client)
                    used.add(client)
        while visits and not _fits(inst, vehicle, visits):
            visits.pop()
        routes.append(visits)
    inserted = 0
    if repair:
        new = [k for k, cid in enumerate(inst.client_ids) if cid not in previously_planned and k not in used]
        inserted = _repair(inst, routes, new)
    return routes, inserted


def _solve(
    inst: _Instance,
    criterion: StoppingCriterion,
    seed: int,
    warm: list[list[int]] | None,
) -> list[list[int]]:
    """Run PyVRP; return client indices per vehicle, each route trimmed to its shift."""
    data = inst.data
    initial = None
    if warm is not None and any(warm):
        initial = Solution(data, [Route(data, visits, v) for v, visits in enumerate(warm) if visits])
    result = solve(
        data,
        criterion,
        seed=seed,
        collect_stats=False,
        display=False,
        initial_solution=initial,
    )
    routes: list[list[int]] = [[] for _ in inst.crew_ids]
    for route in result.best.routes():
        routes[route.vehicle_type()] = [a.idx for a in route.schedule() if a.is_client()]
    if initial is not None and not result.best.is_feasible():
        routes = [list(r) for r in warm or []]
    for vehicle, visits in enumerate(routes):
        while visits and not _fits(inst, vehicle, visits):
            visits.pop()
    return routes


def _net_worth(inst: _Instance, vehicle: int, visits: Sequence[int]) -> int:
    """What a crew out on ``visits`` collects less what it costs: its route, depot to depot, and its
    shift's fixed cost (crew-seconds)."""
    cost = _route_end_time(inst, vehicle, visits) - inst.start_offset[vehicle] + inst.fixed_cost[vehicle]
    return sum(inst.prize_int[c] for c in visits) - cost


def _keep_home_crews_not_worth_a_shift(inst: _Instance, routes: list[list[int]]) -> list[int]:
    """Keep home every crew whose visits are worth less than its route plus its shift's fixed cost;
    return the clients so left out.

    Why here and not in the solver: PyVRP's local search moves one visit at a time, and a move never
    sees the fixed cost a route saves once its last visit leaves it, so a crew with a light day's
    work stays out however much its shift costs, and two crews may share work one of them could do.
    So each route is judged whole; the crews judged not worth it then get a second chance one at a
    time, best first, each taking the dropped visits its shift can hold (cheapest insertion, only
    where a visit is worth its detour), and go out if that load is worth it.  Each visit on a route
    is worth its own detour (the solver drops those that are not), so a route worth less than its
    cost as a whole is not worth sending in part either."""
    net = {
        vehicle: _net_worth(inst, vehicle, visits)
        for vehicle, visits in enumerate(routes)
        if visits and inst.fixed_cost[vehicle] > 0
    }
    dropped = {vehicle: list(routes[vehicle]) for vehicle, worth in net.items() if worth < 0}
    if not dropped:
        return []
    for vehicle in dropped:
        routes[vehicle] = []
    waiting = sorted({c for visits in dropped.values() for c in visits}, key=lambda c: (-inst.prize_int[c], c))
    for vehicle in sorted(dropped, key=lambda v: (-net[v], v)):
        trial = [list(r) for r in routes]
        trial[vehicle] = [c for c in dropped[vehicle] if c in waiting]
        for client in waiting:
            if client in trial[vehicle]:
                continue
            spot = _best_insertion(inst, trial, client, only_vehicle=vehicle)
            if spot is not None and spot[0] < inst.prize_int[client]:
                trial[vehicle].insert(spot[2], client)
        visits = trial[vehicle]
        if visits and _net_worth(inst, vehicle, visits) >= 0:
            routes[vehicle] = visits
            taken = set(visits)
            waiting = [c for c in waiting if c not in taken]
    return waiting


# --- the public entry point --------------------------------------------------


def _crew_route(
    start: _CrewStart,
    extra: Sequence[StreetCandidate],
    service: Sequence[int],
    travel: _Travel,
    with_path: bool = False,
) -> CrewRoute:
    crew = start.crew
    visits = list(start.fixed)
    clock = start.free_after_s
    travel_total, service_total = start.fixed_travel_s, start.fixed_service_s
    stops = [start.here, *(_Stop.of(c) for c in extra), start.depot]
    hops = travel.pairs(crew.mode, list(pairwise(stops)))
    for candidate, seconds, hop in zip(extra, service, hops, strict=False):
        clock += hop
        visits.append(_visit_at(crew, candidate, clock, seconds))
        clock += seconds
        travel_total += hop
        service_total += seconds
    back = hops[-1] if visits else 0
    path: tuple[tuple[float, float], ...] = ()
    if with_path and visits:
        path = travel.path(crew.mode, [start.depot, *start.fixed_stops, *stops[1:]])
    return CrewRoute(
        crew_id=crew.id,
        visits=tuple(visits),
        travel_seconds=travel_total + back,
        service_seconds=service_total,
        returns_at=crew.shift_start + timedelta(seconds=clock + back),
        path=path,
    )


def _offer_leftovers_to_crews_out(
    pool: Sequence[StreetCandidate],
    left_out: Mapping[int, Part],
    routed: set[int],
    starts: Sequence[_CrewStart],
    extra_by_crew: dict[str, tuple[list[StreetCandidate], list[int]]],
    travel: _Travel,
) -> set[int]:
    """Give a crew that is out anyway the left-out visits worth their detour; return those placed.

    Why: candidates are handed to the *nearest* crew group before routing, so a street may be left
    out because the crews of its own group stay home (sending one costs a whole shift), while a crew
    of another group passes nearby with time to spare. Such a crew pays only the detour and the
    cleaning, so a visit worth more than that joins its route at the cheapest feasible place.
    Best prize first, the few nearest crews out, the ``LEFTOVERS_OFFERED`` best leftovers: a repair
    pass after the solver, not a second solve.  Detours are estimated on the straight line; with a
    street network the chosen place is checked on it before the visit joins."""
    out = [s for s in starts if extra_by_crew.get(s.crew.id, ([], []))[0] or s.fixed]
    if not out:
        return set()
    leftovers = sorted(
        (i for i in left_out if i not in routed and pool[i].prize > 0),
        key=lambda i: (-pool[i].prize, pool[i].id),
    )[:LEFTOVERS_OFFERED]
    spare_s = {  # shift time left after each route as it stands; an insertion spends detour + cleaning
        s.crew.id: s.crew.shift_seconds
        - (
            _crew_route(s, *extra_by_crew.get(s.crew.id, ([], [])), travel).returns_at - s.crew.shift_start
        ).total_seconds()
        for s in out
    }
    placed: set[int] = set()
    for index in leftovers:
        candidate = pool[index]
        best: tuple[float, _CrewStart, int, int, int] | None = None  # (net gain, crew, position, service, cost)
        nearest = sorted(
            (s for s in out if candidate.can_be_served_by(s.crew.mode)),
            key=lambda s: haversine_m(s.crew.depot_lat, s.crew.depot_lon, candidate.lat, candidate.lon),
        )[:NEAREST_GROUPS_TRIED]
        for start in nearest:
            chosen = extra_by_crew.setdefault(start.crew.id, ([], []))[0]
            service = service_seconds(candidate, start.crew.mode, start.crew.size)
            stops = [(start.lat, start.lon)] + [(c.lat, c.lon) for c in chosen]
            stops.append((start.crew.depot_lat, start.crew.depot_lon))
            mode = start.crew.mode
            for position in range(len(stops) - 1):
                (lat0, lon0), (lat1, lon1) = stops[position], stops[position + 1]
                detour = (
                    travel_seconds(haversine_m(lat0, lon0, candidate.lat, candidate.lon), mode)
                    + travel_seconds(haversine_m(candidate.lat, candidate.lon, lat1, lon1), mode)
                    - travel_seconds(haversine_m(lat0, lon0, lat1, lon1), mode)
                )
                gain = candidate.prize - detour - service
                if detour + service <= spare_s[start.crew.id] and gain > 0 and (best is None or gain > best[0]):
                    best = (gain, start, position, service, detour + service)
        if best is not None and travel.network is not None:
            best = _checked_on_network(best, candidate, extra_by_crew[best[1].crew.id][0], spare_s, travel)
        if best is not None:
            _, start, position, service, cost = best
            chosen, services = extra_by_crew[start.crew.id]
            chosen.insert(position, candidate)
            services.insert(position, service)
            spare_s[start.crew.id] -= cost
            placed.add(index)
    return placed


def _call_home_crews_others_can_cover(
    pool: Sequence[StreetCandidate],
    starts: Sequence[_CrewStart],
    extra_by_crew: dict[str, tuple[list[StreetCandidate], list[int]]],
    travel: _Travel,
    crew_shift_share: float,
) -> set[int]:
    """Keep home a crew whose visits the crews out anyway can take for less than it costs; return the
    visits (pool indices) that so lost their crew and found no other.

    Why: each sub-problem judges its own crews (a crew not worth its shift stays home), but crews of
    different depots never see each other's day, so two half-loaded crews of neighbouring districts
    both go out where one could do both rounds.  Paid hours come in whole shifts, so this is where a
    thrifty plan saves them.  Crews are tried lightest first (least worth net of their cost): the
    crew's visits are offered to the crews still out (:func:`_offer_leftovers_to_crews_out`, the same
    rule as any leftover), and the crew stays home if what the plan loses in prize and detours is
    less than the crew's route and shift cost.  A crew tried only when its nearest crews out have
    room for its work, so a city whose shifts are full pays little for the pass."""
    index_of = {candidate.id: index for index, candidate in enumerate(pool)}
    by_id = {start.crew.id: start for start in starts}

    routes: dict[tuple[str, tuple[str, ...]], CrewRoute] = {}

    def route_of(crew_id: str, extra: tuple[list[StreetCandidate], list[int]]) -> CrewRoute:
        key = (crew_id, tuple(c.id for c in extra[0]))
        if key not in routes:
            routes[key] = _crew_route(by_id[crew_id], *extra, travel)
        return routes[key]

    def worth(crew_id: str, extra: tuple[list[StreetCandidate], list[int]]) -> float:
        start = by_id[crew_id]
        if not extra[0]:
            return 0.0
        route = route_of(crew_id, extra)
        cost = route.travel_seconds - start.fixed_travel_s + route.service_seconds - start.fixed_service_s
        return sum(c.prize for c in extra[0]) - cost - _shift_cost(start, crew_shift_share)

    def spare(crew_id: str) -> float:
        start = by_id[crew_id]
        route = route_of(crew_id, extra_by_crew.get(crew_id, ([], [])))
        return start.crew.shift_seconds - (route.returns_at - start.crew.shift_start).total_seconds()

    homeless: set[int] = set()
    tried: set[str] = set()
    while True:
        out = [s for s in starts if extra_by_crew.get(s.crew.id, ([], []))[0] or s.fixed]
        room = {s.crew.id: spare(s.crew.id) for s in out}
        light = sorted(
            (s for s in out if not s.fixed and s.crew.id not in tried),
            key=lambda s: (worth(s.crew.id, extra_by_crew[s.crew.id]), s.crew.id),
        )
        called_home = None
        for start in light:
            tried.add(start.crew.id)
            chosen, service = extra_by_crew[start.crew.id]
            neighbours = sorted(
                (o for o in out if o is not start and o.crew.mode == start.crew.mode),
                key=lambda o: haversine_m(
                    o.crew.depot_lat, o.crew.depot_lon, start.crew.depot_lat, start.crew.depot_lon
                ),
            )[:NEAREST_GROUPS_TRIED]
            if sum(room[o.crew.id] for o in neighbours) < sum(service):
                continue
            trial = {crew_id: (list(c), list(s)) for crew_id, (c, s) in extra_by_crew.items()}
            trial[start.crew.id] = ([], [])
            offered = {index_of[c.id]: reasons.part("crew_not_worth_a_shift") for c in chosen}
            placed = _offer_leftovers_to_crews_out(pool, offered, set(), starts, trial, travel)
            before = {crew_id: extra_by_crew.get(crew_id, ([], [])) for crew_id in trial}
            touched = [crew_id for crew_id in trial if trial[crew_id][0] != before[crew_id][0]]
            gain = sum(worth(c, trial[c]) - worth(c, before[c]) for c in touched)
            if gain > 0:
                extra_by_crew.clear()
                extra_by_crew.update(trial)
                homeless.update(set(offered) - placed)
                called_home = start
                break
        if called_home is None:
            return homeless


def _checked_on_network(
    best: tuple[float, _CrewStart, int, int, int],
    candidate: StreetCandidate,
    chosen: Sequence[StreetCandidate],
    spare_s: Mapping[str, float],
    travel: _Travel,
) -> tuple[float, _CrewStart, int, int, int] | None:
    """The straight-line choice of a leftover's place, re-costed along the streets (``None``: it no
    longer fits or is no longer worth it)."""
    _, start, position, service, _ = best
    stops = [start.here, *(_Stop.of(c) for c in chosen), start.depot]
    before, after, here = stops[position], stops[position + 1], _Stop.of(candidate)
    to_it, from_it, direct = travel.pairs(start.crew.mode, [(before, here), (here, after), (before, after)])
    detour = to_it + from_it - direct
    gain = candidate.prize - detour - service
    if detour + service > spare_s[start.crew.id] or gain <= 0:
        return None
    return (gain, start, position, service, detour + service)


# --- a day split into sub-problems, solved anywhere, joined -----------------------


def solve_subproblem(subproblem: Mapping[str, Any]) -> dict[str, Any]:
    """Solve one sub-problem given as plain data (:meth:`DaySplit.subproblem`); return its solution as
    plain data: per crew (vehicle), the clients it visits in order (indices into the sub-problem's
    clients), each route trimmed to its shift, and the slack the solver left on the shifts.

    Pure and self-contained (the travel matrix travels with the sub-problem), so a caller may run it
    in another process or on another machine; the same data and seed give the same routes anywhere."""
    started = time.perf_counter()
    inst = _instance(subproblem)
    stop = SolverStop.from_dict(subproblem["stop"])
    warm = subproblem.get("warm_routes")
    routes = _solve(
        inst,
        stop.criterion(float(subproblem["budget_s"])),
        int(subproblem["seed"]),
        [[int(c) for c in route] for route in warm] if warm is not None else None,
    )
    kept_home = _keep_home_crews_not_worth_a_shift(inst, routes)
    slack = max((inst.end_offset[v] - _route_end_time(inst, v, visits) for v, visits in enumerate(routes)), default=0)
    return {
        "format": SUBPROBLEM_FORMAT,
        "number": int(subproblem["number"]),
        "routes": routes,
        "slack_s": int(slack),
        "kept_home": kept_home,
        "seconds": round(time.perf_counter() - started, 3),
        "solved_by": "",
    }


@dataclass
class _Made:
    """What the join keeps of a sub-problem once its plain data is made."""

    budget_s: float
    matrix_seconds: float
    warm_started: bool
    inserted_by_repair: int
    service: list[int]


class DaySplit:
    """A day cut into independent sub-problems (:func:`split_day`), and what joining their solutions
    needs: the candidates, the crews after their fixed visits, the street network, what was left out
    before routing.  The caller that joins keeps it; only the sub-problems (plain, JSON-ready data,
    :meth:`subproblem`) and their solutions (:func:`solve_subproblem`) need to travel."""

    def __init__(
        self,
        pool: list[StreetCandidate],
        starts: list[_CrewStart],
        parts: list[_Subproblem],
        left_out: dict[int, Part],
        travel: _Travel,
        *,
        stop: SolverStop,
        seed: int,
        crew_shift_share: float,
        previous_plan: DayPlan | None,
        repair_warm_start: bool,
        started: float,
    ) -> None:
        self._pool = pool
        self._starts = starts
        self._parts = parts
        self._left_out = left_out
        self._travel = travel
        self._stop = stop
        self._seed = seed
        self._crew_shift_share = crew_shift_share
        self._previous_plan = previous_plan
        self._repair_warm_start = repair_warm_start
        self._started = started
        self._made: dict[int, _Made] = {}

    @property
    def sizes(self) -> list[int]:
        """Clients per sub-problem, in sub-problem order."""
        return [len(part.members) for part in self._parts]

    @property
    def stop(self) -> SolverStop:
        return self._stop

    def seconds_left(self) -> float:
        """The solver's time budget not yet spent since the split began (0 for an iteration stop)."""
        return max(0.0, (self._stop.seconds or 0.0) - (time.perf_counter() - self._started))

    def subproblem(self, number: int, budget_s: float) -> dict[str, Any]:
        """Sub-problem ``number`` as plain data for :func:`solve_subproblem`, with ``budget_s`` seconds
        of solver time (when the stop is a time budget): depots, clients (id, place, service seconds,
        prize), one vehicle per crew (depots, time window, fixed cost), the travel matrix, the warm
        start from the previous plan (new candidates already inserted), the stop and the seed."""
        part = self._parts[number]
        data, matrix_seconds = _subproblem_data(part, self._pool, self._crew_shift_share, self._travel)
        warm: list[list[int]] | None = None
        inserted = 0
        if self._previous_plan is not None:
            warm, inserted = _warm_routes(_instance(data), self._previous_plan, self._repair_warm_start)
        budget_s = max(MIN_SUBPROBLEM_BUDGET_S, budget_s)
        data.update(
            number=number,
            seed=self._seed + number,
            stop=self._stop.as_dict(),
            budget_s=budget_s,
            warm_routes=warm,
        )
        self._made[number] = _Made(budget_s, matrix_seconds, warm is not None, inserted, data["clients"]["service_s"])
        return data

    def subproblems(self) -> list[dict[str, Any]]:
        """Every sub-problem as plain data, the time budget left once they are made shared out by
        size: the total solver time is the in-process solve's, whether they are then solved one
        after the other or side by side."""
        made = [self.subproblem(number, 0.0) for number in range(len(self._parts))]
        left = self.seconds_left()
        total = max(1, sum(self.sizes))
        for data, size in zip(made, self.sizes, strict=True):
            data["budget_s"] = max(MIN_SUBPROBLEM_BUDGET_S, left * size / total)
            self._made[data["number"]].budget_s = data["budget_s"]
        return made

    def problem_with(self, number: int, solution: Mapping[str, Any] | None) -> str | None:
        """Why ``solution`` cannot stand for sub-problem ``number`` (``None``: it can): a solution that
        comes back from elsewhere is checked before it is joined."""
        if solution is None:
            return "no solution"
        if number not in self._made:
            return f"sub-problem {number} was never made"
        if solution.get("format") != SUBPROBLEM_FORMAT or solution.get("number") != number:
            return "a solution of another format or sub-problem"
        routes = solution.get("routes")
        part = self._parts[number]
        if not isinstance(routes, list) or len(routes) != len(part.starts):
            return "not one route per crew"
        seen: set[int] = set()
        for route in routes:
            if not isinstance(route, list) or not all(type(c) is int and 0 <= c < len(part.members) for c in route):
                return "a route names a client the sub-problem does not have"
            if seen & set(route) or len(set(route)) != len(route):
                return "a client on two routes"
            seen.update(route)
        if type(solution.get("slack_s")) is not int:
            return "no slack"
        return None


def split_day(
    candidates: Sequence[StreetCandidate],
    crews: Sequence[Crew],
    *,
    fixed_visits: Mapping[str, Sequence[StreetCandidate]] | None = None,
    previous_plan: DayPlan | None = None,
    stop: SolverStop,
    seed: int = 0,
    crew_shift_share: float = 0.0,
    max_clients_per_subproblem: int = 1500,
    overselect: float = 2.0,
    repair_warm_start: bool = True,
    network: RoadNetwork | None = None,
) -> DaySplit:
    """Cut a day into independent sub-problems (the first half of :func:`plan_day`, whose arguments
    these are): crews after their fixed visits, grouped by mode and depot; candidates handed to
    the groups; oversized groups cut into sectors.  No travel matrix is computed yet."""
    started = time.perf_counter()
    fixed_visits = fixed_visits or {}
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.id in seen:
            raise ValueError(f"duplicate candidate id {candidate.id!r}")
        seen.add(candidate.id)
    crew_ids = {crew.id for crew in crews}
    if len(crew_ids) != len(crews):
        raise ValueError("duplicate crew id")
    unknown = set(fixed_visits) - crew_ids
    if unknown:
        raise ValueError(f"fixed visits for unknown crews: {sorted(unknown)}")

    fixed_ids = {c.id for visits in fixed_visits.values() for c in visits}
    pool = [c for c in candidates if c.id not in fixed_ids]
    travel = _Travel(network)
    starts = [_crew_start(crew, fixed_visits.get(crew.id, ()), travel) for crew in crews]
    groups = _make_groups(starts, overselect)
    left_out = _assign_candidates(pool, groups)

    parts: list[_Subproblem] = []
    for group in groups:
        if not group.members:
            continue
        pieces, overflow = _split_group(group, pool, max_clients_per_subproblem)
        parts.extend(pieces)
        for index in overflow:
            left_out[index] = reasons.part("not_among_best")
    return DaySplit(
        pool,
        starts,
        parts,
        left_out,
        travel,
        stop=stop,
        seed=seed,
        crew_shift_share=crew_shift_share,
        previous_plan=previous_plan,
        repair_warm_start=repair_warm_start,
        started=started,
    )


def join_day(split: DaySplit, solutions: Sequence[Mapping[str, Any]]) -> DayPlan:
    """The day's plan from its sub-problems' solutions (one per sub-problem, in order, each made by
    :func:`solve_subproblem` from :meth:`DaySplit.subproblem`'s data): routes per crew, a crew out
    anyway offered the visits left out nearby, what was left out and why, how it was solved."""
    if len(solutions) != len(split.sizes):
        raise ValueError(f"{len(solutions)} solutions for {len(split.sizes)} sub-problems")
    pool, left_out = split._pool, dict(split._left_out)
    extra_by_crew: dict[str, tuple[list[StreetCandidate], list[int]]] = {}
    stats: list[SubproblemStats] = []
    routed: set[int] = set()
    for number, (part, solution) in enumerate(zip(split._parts, solutions, strict=True)):
        problem = split.problem_with(number, solution)
        if problem is not None:
            raise ValueError(f"sub-problem {number}: {problem}")
        made = split._made[number]
        collected = 0.0
        routes: list[list[int]] = solution["routes"]
        for vehicle, visits in enumerate(routes):
            crew_id = part.starts[vehicle].crew.id
            chosen = [pool[part.members[c]] for c in visits]
            extra_by_crew[crew_id] = (chosen, [made.service[c] for c in visits])
            routed.update(part.members[c] for c in visits)
            collected += sum(c.prize for c in chosen)
        stats.append(
            SubproblemStats(
                part.mode,
                len(part.starts),
                len(part.members),
                made.budget_s,
                collected,
                made.warm_started,
                made.inserted_by_repair,
                made.matrix_seconds,
                float(solution.get("seconds", 0.0)),
                str(solution.get("solved_by", "")),
            )
        )
        slack = solution["slack_s"]
        kept_home = {int(c) for c in solution.get("kept_home", ())}
        for client, index in enumerate(part.members):
            if index in routed:
                continue
            if client in kept_home:
                left_out[index] = reasons.part("crew_not_worth_a_shift")
            else:
                # room was left on a shift: the solver judged the visit (travel included) not worth it
                left_out[index] = reasons.part("not_worth_the_trip" if made.service[client] < slack else "did_not_fit")

    starts, travel = split._starts, split._travel
    routed |= _offer_leftovers_to_crews_out(pool, left_out, routed, starts, extra_by_crew, travel)
    for index in _call_home_crews_others_can_cover(pool, starts, extra_by_crew, travel, split._crew_shift_share):
        routed.discard(index)
        left_out[index] = reasons.part("crew_not_worth_a_shift")

    routes_by_crew: dict[str, CrewRoute] = {}
    for start in starts:
        chosen, service = extra_by_crew.get(start.crew.id, ([], []))
        routes_by_crew[start.crew.id] = _crew_route(start, chosen, service, travel, with_path=True)

    dropped = tuple(
        DroppedCandidate(pool[index].id, reasons.text(why), why)
        for index, why in sorted(left_out.items())
        if index not in routed
    )
    collected_total = sum(v.prize for r in routes_by_crew.values() for v in r.visits if not v.fixed)
    available = sum(max(0.0, c.prize) for c in pool)
    return DayPlan(routes_by_crew, dropped, collected_total, available, tuple(stats), travel.stats())


SubproblemSolver = Callable[[list[dict[str, Any]]], Sequence[Mapping[str, Any] | None]]
"""Solves sub-problems elsewhere: given every sub-problem of a day (plain data), it returns in the
same order each one's solution (:func:`solve_subproblem`'s), or ``None`` for one it could not get."""


@dataclass(frozen=True)
class Distribution:
    """How a caller has a day's sub-problems solved elsewhere (other processes, other machines):
    ``solve`` gets them all at once; only a day of at least ``min_clients`` clients over at least
    ``min_subproblems`` sub-problems goes out, a smaller one is solved here as before.  A sub-problem
    ``solve`` gives no usable solution for is solved here, so a plan is always made."""

    solve: SubproblemSolver
    min_clients: int = 0
    min_subproblems: int = 2

    def takes(self, split: DaySplit) -> bool:
        sizes = split.sizes
        return len(sizes) >= max(1, self.min_subproblems) and sum(sizes) >= self.min_clients


def plan_day(
    candidates: Sequence[StreetCandidate],
    crews: Sequence[Crew],
    *,
    fixed_visits: Mapping[str, Sequence[StreetCandidate]] | None = None,
    previous_plan: DayPlan | None = None,
    stop: SolverStop,
    seed: int = 0,
    crew_shift_share: float = 0.0,
    max_clients_per_subproblem: int = 1500,
    overselect: float = 2.0,
    repair_warm_start: bool = True,
    network: RoadNetwork | None = None,
    distribution: Distribution | None = None,
) -> DayPlan:
    """Plan one day: choose and order visits per crew to collect the most prize net of crew time.

    Prizes are crew-seconds; a route costs its duration and a crew sent out ``crew_shift_share`` of
    its shift's seconds.
    ``stop`` says when the solver stops (a time budget or an iteration count).
    ``fixed_visits`` maps crew id → visits already done or under way, kept first
    on that crew's route.  ``previous_plan`` warm-starts the solver; new
    candidates are inserted into it first unless ``repair_warm_start`` is off
    (only useful to measure what the repair is worth).  ``network``: the street network travel
    times and paths follow (``None``: straight lines × ``DETOUR_FACTOR`` for every stop, counted).
    ``distribution``: the sub-problems are solved elsewhere (:class:`Distribution`); otherwise one
    after the other here, each with its share of the time budget left when its turn comes.
    """
    split = split_day(
        candidates,
        crews,
        fixed_visits=fixed_visits,
        previous_plan=previous_plan,
        stop=stop,
        seed=seed,
        crew_shift_share=crew_shift_share,
        max_clients_per_subproblem=max_clients_per_subproblem,
        overselect=overselect,
        repair_warm_start=repair_warm_start,
        network=network,
    )
    if distribution is not None and distribution.takes(split):
        subproblems = split.subproblems()
        answers = list(distribution.solve(subproblems))
        answers += [None] * (len(subproblems) - len(answers))
        solutions = [
            answer if answer is not None and split.problem_with(number, answer) is None else solve_subproblem(data)
            for number, (data, answer) in enumerate(zip(subproblems, answers, strict=False))
        ]
        return join_day(split, solutions)
    solutions = []
    remaining_clients = sum(split.sizes)
    for number, size in enumerate(split.sizes):
        budget = split.seconds_left() * size / max(1, remaining_clients)
        remaining_clients -= size
        solutions.append(solve_subproblem(split.subproblem(number, budget)))
    return join_day(split, solutions)
