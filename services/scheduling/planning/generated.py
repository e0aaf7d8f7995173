"""Generated cities for benchmarks, tests and the simulator: the shape of a real one, no map needed
(and, for the benchmark of planning along a road network, a street grid under it)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from kernel.geo import LocalProjection
from services.scheduling.planning.network import StreetLine
from services.scheduling.planning.policy import PolicyConfig
from services.scheduling.planning.routing import Crew, CrewMode, StreetCandidate

CITY_LAT = 52.37
CITY_LON = 4.90
STREETS_PER_DISTRICT = 250
STREETS_PER_KM2 = 120.0
CREWS_PER_DEPOT = 4


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    lon, lat = LocalProjection(lat, lon).to_lonlat(east_m, north_m)
    return lat, lon


def generate_city(
    streets: int, crews: int, seed: int = 0, day: datetime | None = None
) -> tuple[list[StreetCandidate], list[Crew]]:
    """A random city: street centroids clustered in districts, depots among them, crews per depot."""
    rng = random.Random(seed)
    config = PolicyConfig()
    day = day or datetime(2025, 5, 6, tzinfo=UTC)
    side_m = 1000.0 * math.sqrt(streets / STREETS_PER_KM2)
    num_districts = max(1, round(streets / STREETS_PER_DISTRICT))
    district_sd_m = side_m / math.sqrt(num_districts) / 2.5
    centres = [
        _offset(CITY_LAT, CITY_LON, rng.uniform(-side_m / 2, side_m / 2), rng.uniform(-side_m / 2, side_m / 2))
        for _ in range(num_districts)
    ]
    candidates: list[StreetCandidate] = []
    for number in range(streets):
        district = rng.randrange(num_districts)
        lat, lon = _offset(*centres[district], rng.gauss(0, district_sd_m), rng.gauss(0, district_sd_m))
        length = rng.uniform(50.0, 600.0)
        shortfall = rng.lognormvariate(-1.0, 1.0)
        is_bag_stop = rng.random() < 0.02
        candidates.append(
            StreetCandidate(
                id=f"{'bags' if is_bag_stop else 'street'}-{number}",
                district=f"district-{district}",
                lat=lat,
                lon=lon,
                length_m=0.0 if is_bag_stop else length,
                # crew-seconds, as the effort policy prices them
                prize=config.prize_per_bag * rng.randint(1, 3)
                if is_bag_stop
                else config.seconds_per_shortfall_metre * shortfall * length,
                reason="bags waiting" if is_bag_stop else f"expected shortfall {shortfall:.2f}",
                required_mode=CrewMode.FOOT if is_bag_stop else None,
                service_seconds=240 if is_bag_stop else None,
            )
        )
    num_depots = max(1, math.ceil(crews / CREWS_PER_DEPOT))
    depot_districts = rng.sample(range(num_districts), min(num_depots, num_districts))
    depots = [centres[d] for d in depot_districts]
    crew_list: list[Crew] = []
    for number in range(crews):
        depot_lat, depot_lon = depots[number % len(depots)]
        start = day.replace(hour=7 if number % 3 else 6, minute=0, second=0, microsecond=0)
        crew_list.append(
            Crew(
                id=f"crew-{number}",
                name=f"Crew {number}",
                size=rng.choice((2, 2, 3)),
                mode=CrewMode.SWEEPER if number % 3 == 2 else CrewMode.FOOT,
                depot_lat=depot_lat,
                depot_lon=depot_lon,
                shift_start=start,
                shift_end=start + timedelta(hours=8),
            )
        )
    return candidates, crew_list


GRID_ONEWAY_EVERY = 3
"""Every third street of the grid (each way) is one-way, alternating direction."""
GRID_PEDESTRIAN_SHARE = 0.05


def generate_streets(candidates: Sequence[StreetCandidate], seed: int = 0) -> list[StreetLine]:
    """A street grid under a generated city, for planning along a road network.

    About as many street stretches (block sides) as candidates, covering their extent; each stretch a
    slightly bent line (a middle point off the straight), every ``GRID_ONEWAY_EVERY``-th street
    one-way (alternating), ``GRID_PEDESTRIAN_SHARE`` of the stretches pedestrian.  The candidates
    carry no street of the grid, so each is linked to the grid's nearest junction.
    """
    rng = random.Random(seed + 104729)
    lats = [c.lat for c in candidates]
    lons = [c.lon for c in candidates]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    side = max(2, math.ceil(math.sqrt(max(1, len(candidates)) / 2.0)) + 1)
    lat_step = (north - south) / (side - 1) or 0.001
    lon_step = (east - west) / (side - 1) or 0.001

    def point(row: float, column: float) -> tuple[float, float]:
        return (round(west + column * lon_step, 7), round(south + row * lat_step, 7))

    lines: list[StreetLine] = []
    for row in range(side):
        for column in range(side):
            for d_row, d_column, line_number in ((0, 1, row), (1, 0, column)):
                to_row, to_column = row + d_row, column + d_column
                if to_row >= side or to_column >= side:
                    continue
                bend = rng.uniform(-0.08, 0.08)
                middle = point(row + d_row / 2 + bend * d_column, column + d_column / 2 + bend * d_row)
                oneway = 0
                if line_number % GRID_ONEWAY_EVERY == 0:
                    oneway = 1 if (line_number // GRID_ONEWAY_EVERY) % 2 == 0 else -1
                lines.append(
                    StreetLine(
                        f"grid-{row}-{column}-{'e' if d_column else 'n'}",
                        (point(row, column), middle, point(to_row, to_column)),
                        oneway=oneway,
                        drivable=rng.random() >= GRID_PEDESTRIAN_SHARE,
                    )
                )
    return lines
