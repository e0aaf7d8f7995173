"""The street network on a tiny hand-made block: one-ways, foot-only streets, the counted fallback."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from kernel.geo import haversine_m, haversine_matrix_m
from services.scheduling.planning.network import FOOT, VEHICLE, Place, RoadNetwork, StreetLine
from services.scheduling.planning.routing import (
    DETOUR_FACTOR,
    MODE_SPEEDS,
    Crew,
    CrewMode,
    SolverStop,
    StreetCandidate,
    plan_day,
)
from services.scheduling.streets.importer import read_osm_pbf

STOP = SolverStop.after_iterations(200, no_improvement=80)
SHIFT_START = datetime(2025, 5, 6, 7, tzinfo=UTC)
# a block of about 222 m × 222 m: A (south-west), B (south-east), C (north-east), D (north-west)
A, B, C, D = (24.000, 60.000), (24.004, 60.000), (24.004, 60.002), (24.000, 60.002)
DEPOT = (60.0, 24.0039)  # (lat, lon), a few metres from B
ON_AB_NEAR_A = Place(60.0, 24.0005, "ab")


def block(*, ab_oneway: int = 1, shortcut: bool = False) -> RoadNetwork:
    """The block; "ab" is one-way from A to B; ``shortcut``: a pedestrian street from B to D."""
    streets = [
        StreetLine("ab", [A, (24.002, 60.0), B], oneway=ab_oneway),
        StreetLine("bc", [B, C]),
        StreetLine("cd", [C, D]),
        StreetLine("da", [D, A]),
    ]
    if shortcut:
        streets.append(StreetLine("bd", [B, D], drivable=False))
    return RoadNetwork.build(streets)


def path_m(path: tuple[tuple[float, float], ...] | list[tuple[float, float]]) -> float:
    return sum(haversine_m(lat1, lon1, lat2, lon2) for (lon1, lat1), (lon2, lat2) in pairwise(path))


def crew(crew_id: str, mode: CrewMode) -> Crew:
    return Crew(crew_id, crew_id, 2, mode, *DEPOT, SHIFT_START, SHIFT_START + timedelta(hours=8))


def candidate(candidate_id: str, place: Place, mode: CrewMode | None = None) -> StreetCandidate:
    return StreetCandidate(
        candidate_id,
        "centre",
        place.lat,
        place.lon,
        100.0,
        50_000.0,
        "reason",
        required_mode=mode,
        street_id=place.street_id,
    )


def test_junctions_are_the_shared_points_and_ends() -> None:
    network = block()
    assert network.nodes == 4  # the middle point of "ab" is no junction
    assert network.edges(FOOT) == 8  # four stretches, both ways
    assert network.edges(VEHICLE) == 7  # "ab" only from A to B


def test_a_one_way_street_makes_the_vehicle_go_round_the_block() -> None:
    network = block()
    depot = Place(*DEPOT)
    foot = network.matrix_m(FOOT, [depot, ON_AB_NEAR_A])
    vehicle = network.matrix_m(VEHICLE, [depot, ON_AB_NEAR_A])
    straight = haversine_m(DEPOT[0], DEPOT[1], ON_AB_NEAR_A.lat, ON_AB_NEAR_A.lon)
    assert foot[0, 1] == pytest.approx(foot[1, 0])
    assert foot[0, 1] >= straight
    assert vehicle[1, 0] == pytest.approx(foot[1, 0])  # with the one-way: the same street
    assert vehicle[0, 1] > 2.5 * foot[0, 1]  # against it: round the block (B, C, D, A)
    round_the_block = network.path(VEHICLE, [depot, ON_AB_NEAR_A])
    assert (C[0], C[1]) in round_the_block and (D[0], D[1]) in round_the_block
    assert path_m(round_the_block) == pytest.approx(vehicle[0, 1], rel=1e-6)
    # the same street both ways: no detour
    assert block(ab_oneway=0).matrix_m(VEHICLE, [depot, ON_AB_NEAR_A])[0, 1] == pytest.approx(foot[0, 1])


def test_vehicles_do_not_take_a_pedestrian_street() -> None:
    network = block(shortcut=True, ab_oneway=0)
    b, d = Place(B[1], B[0]), Place(D[1], D[0])
    foot = network.matrix_m(FOOT, [b, d])[0, 1]
    vehicle = network.matrix_m(VEHICLE, [b, d])[0, 1]
    assert foot == pytest.approx(haversine_m(B[1], B[0], D[1], D[0]), rel=1e-6)  # straight across
    assert vehicle > 1.3 * foot


def test_the_plan_drives_round_the_block_and_walks_straight_and_counts_the_fallback() -> None:
    network = block()
    far = Place(60.02, 24.0, None)  # 2 km north: no junction within reach
    candidates = [
        candidate("walk", ON_AB_NEAR_A, CrewMode.FOOT),
        candidate("drive", ON_AB_NEAR_A, CrewMode.SWEEPER),
        candidate("far", far, CrewMode.FOOT),
    ]
    crews = [crew("walker", CrewMode.FOOT), crew("sweeper", CrewMode.SWEEPER)]
    plan = plan_day(candidates, crews, stop=STOP, network=network)
    walker, sweeper = plan.routes["walker"], plan.routes["sweeper"]
    assert set(walker.candidate_ids) == {"walk", "far"} and sweeper.candidate_ids == ("drive",)
    assert plan.travel.road_network
    assert plan.travel.stops_straight_line == 1  # "far"; the depot and the other stops are linked
    assert plan.travel.stops_on_network == 3
    # the sweeper's path goes round the block there, and straight back along "ab"
    assert len(sweeper.path) > 3 and (D[0], D[1]) in sweeper.path
    out_and_back = path_m(sweeper.path)
    assert out_and_back > 3 * 222
    speed = MODE_SPEEDS[CrewMode.SWEEPER].travel_m_per_s
    # a street clean is entered and left at its junction (A): the path's leg to the stop is cleaning time
    leg_m = haversine_m(ON_AB_NEAR_A.lat, ON_AB_NEAR_A.lon, A[1], A[0])
    assert sweeper.travel_seconds == pytest.approx((out_and_back - 2 * leg_m) / speed, abs=2)
    # "far" is reached on the fallback: straight line × the detour factor
    far_m = haversine_m(far.lat, far.lon, ON_AB_NEAR_A.lat, ON_AB_NEAR_A.lon)
    assert walker.travel_seconds >= round(far_m * DETOUR_FACTOR / MODE_SPEEDS[CrewMode.FOOT].travel_m_per_s)
    assert (far.lon, far.lat) in walker.path


def test_without_a_network_every_stop_is_a_counted_straight_line() -> None:
    candidates = [candidate("walk", ON_AB_NEAR_A, CrewMode.FOOT)]
    plan = plan_day(candidates, [crew("walker", CrewMode.FOOT)], stop=STOP)
    assert not plan.travel.road_network
    assert plan.travel.stops_straight_line == 2 and plan.travel.stops_on_network == 0  # the depot and the stop
    route = plan.routes["walker"]
    assert route.path == ((DEPOT[1], DEPOT[0]), (ON_AB_NEAR_A.lon, ON_AB_NEAR_A.lat), (DEPOT[1], DEPOT[0]))
    straight = haversine_m(DEPOT[0], DEPOT[1], ON_AB_NEAR_A.lat, ON_AB_NEAR_A.lon)
    assert route.travel_seconds == 2 * round(straight * DETOUR_FACTOR / MODE_SPEEDS[CrewMode.FOOT].travel_m_per_s)


def test_a_piece_off_the_network_hangs_on_a_counted_straight_line_bridge() -> None:
    island = [(24.0, 60.0035), (24.001, 60.0035)]  # a street 167 m north of the block, touching nothing
    network = RoadNetwork.build(
        [
            StreetLine("ab", [A, B]),
            StreetLine("bc", [B, C]),
            StreetLine("cd", [C, D]),
            StreetLine("da", [D, A]),
            StreetLine("island", island),
        ]
    )
    assert network.bridges(FOOT) == 1
    on_island = Place(60.0035, 24.0005, "island")
    node, _ = network.link(FOOT, on_island)
    assert node >= 0 and not network.on_main(FOOT, node)
    assert network.on_main(FOOT, network.link(FOOT, ON_AB_NEAR_A)[0])
    there = network.matrix_m(FOOT, [ON_AB_NEAR_A, on_island])[0, 1]
    bridge_m = haversine_m(D[1], D[0], island[0][1], island[0][0])
    assert there >= DETOUR_FACTOR * bridge_m  # the bridge costs the fallback's detour factor
    plan = plan_day(
        [candidate("island", on_island, CrewMode.FOOT)], [crew("walker", CrewMode.FOOT)], stop=STOP, network=network
    )
    assert plan.routes["walker"].candidate_ids == ("island",)
    assert plan.travel.stops_straight_line == 1 and plan.travel.stops_on_network == 1  # the stop; the depot


def test_a_network_needs_a_line() -> None:
    with pytest.raises(ValueError, match="at least one street"):
        RoadNetwork.build([StreetLine("dot", [A])])
    assert math.isnan(block().matrix_m(FOOT, [Place(61.0, 24.0), ON_AB_NEAR_A])[0, 1])


# --------------------------------------------------------------------------- a real extract

SHARED_DATA = next(
    (
        path
        for path in (Path(__file__).resolve().parents[4] / ".." / "shared" / "data", Path("/work/shared/data"))
        if path.is_dir()
    ),
    None,
)


@pytest.mark.skipif(SHARED_DATA is None, reason="OSM extracts not found in ../shared/data")
def test_a_helsinki_plan_follows_the_streets_never_shorter_than_the_straight_line() -> None:
    assert SHARED_DATA is not None
    streets = read_osm_pbf(SHARED_DATA / "helsinki-centre.osm.pbf", split_at_crossings=True, max_section_m=80)
    assert any(s.oneway for s in streets) and not all(s.drivable for s in streets)
    network = RoadNetwork.build([StreetLine(s.external_id, s.coordinates, s.oneway, s.drivable) for s in streets])
    candidates = [
        StreetCandidate(
            s.external_id,
            s.district,
            s.centroid.lat,
            s.centroid.lon,
            s.length_m,
            3_000.0,
            "reason",
            street_id=s.external_id,
        )
        for s in streets
    ]
    depot = candidates[len(candidates) // 2]
    crews = [
        Crew(name, name, 2, mode, depot.lat, depot.lon, SHIFT_START, SHIFT_START + timedelta(hours=4))
        for name, mode in (("walker", CrewMode.FOOT), ("sweeper", CrewMode.SWEEPER))
    ]
    plan = plan_day(candidates, crews, stop=STOP, network=network)
    assert plan.travel.road_network and plan.travel.stops_on_network > 10
    # the registry holds named streets only, one line each: some pieces hang on straight-line bridges
    assert 0 < plan.travel.stops_straight_line < plan.travel.stops_on_network / 2
    assert network.bridges(FOOT) > 0 and network.bridges(VEHICLE) >= network.bridges(FOOT)
    for crew_ in crews:
        route = plan.routes[crew_.id]
        assert len(route.visits) >= 3
        assert len(route.path) > len(route.visits) + 2  # along the streets, not stop to stop
        stops = [(depot.lat, depot.lon)] + [(c.lat, c.lon) for c in candidates if c.id in route.candidate_ids]
        by_id = {c.id: c for c in candidates}
        hops = [(depot.lat, depot.lon), *((by_id[v].lat, by_id[v].lon) for v in route.candidate_ids)]
        hops.append((depot.lat, depot.lon))
        straight_s = sum(
            haversine_m(a[0], a[1], b[0], b[1]) / MODE_SPEEDS[crew_.mode].travel_m_per_s for a, b in pairwise(hops)
        )
        assert route.travel_seconds >= straight_s - len(hops), "a road route shorter than the straight lines"
        assert stops
    # every linked pair, per graph: the road is at least the straight line, usually longer
    places = [Place(c.lat, c.lon, c.street_id) for c in candidates[:120]]
    lats = [p.lat for p in places]
    lons = [p.lon for p in places]
    straight = haversine_matrix_m(np.array(lats), np.array(lons))
    for graph in (FOOT, VEHICLE):
        road = network.matrix_m(graph, places)
        linked = ~np.isnan(road)
        assert linked.mean() > 0.8
        assert (road[linked] >= straight[linked] - 1e-6).all()
        far = linked & (straight > 100)
        assert float(np.median(road[far] / straight[far])) > 1.1
