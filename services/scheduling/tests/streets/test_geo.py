"""Distances and snapping on real coordinates (central Helsinki)."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.geo import (
    LatLon,
    LocalProjection,
    StreetIndex,
    haversine_m,
    line_centroid,
    line_length_m,
    line_midpoint,
)

# Two stretches of real Helsinki streets, (lon, lat).
ALEKSANTERINKATU = [
    (24.9410400, 60.1689941),
    (24.9461000, 60.1687400),
    (24.9508769, 60.1684895),
]
MANNERHEIMINTIE = [
    (24.9394500, 60.1676000),
    (24.9388000, 60.1700000),
    (24.9376000, 60.1725000),
]


def test_haversine_matches_known_distances() -> None:
    # One degree of latitude is about 111.2 km everywhere.
    assert haversine_m(60.0, 25.0, 61.0, 25.0) == pytest.approx(111_195, rel=1e-3)
    # Helsinki cathedral to the railway station: about 600 m.
    assert haversine_m(60.170278, 24.952222, 60.171111, 24.941389) == pytest.approx(605, abs=15)
    assert haversine_m(60.17, 24.94, 60.17, 24.94) == 0.0


def test_line_length_is_the_sum_of_its_segments() -> None:
    expected = sum(haversine_m(a[1], a[0], b[1], b[0]) for a, b in pairwise(ALEKSANTERINKATU))
    assert line_length_m(ALEKSANTERINKATU) == pytest.approx(expected)
    assert 500 < line_length_m(ALEKSANTERINKATU) < 600
    assert line_length_m(ALEKSANTERINKATU[:1]) == 0.0


def test_projection_round_trips_and_keeps_metres() -> None:
    projection = LocalProjection.around(ALEKSANTERINKATU)
    for lon, lat in ALEKSANTERINKATU:
        back = projection.to_lonlat(*projection.to_xy(lon, lat))
        assert back == pytest.approx((lon, lat), abs=1e-9)
    projected = projection.line(ALEKSANTERINKATU)
    assert projected.length == pytest.approx(line_length_m(ALEKSANTERINKATU), rel=2e-3)


def test_centroid_and_midpoint_lie_on_a_straight_street() -> None:
    straight = [(24.94, 60.17), (24.96, 60.17)]
    centre = line_centroid(straight)
    assert isinstance(centre, LatLon)
    assert centre.lat == pytest.approx(60.17)
    assert centre.lon == pytest.approx(24.95)
    assert line_midpoint(straight).lon == pytest.approx(24.95)


def build_index() -> StreetIndex:
    return StreetIndex([("aleksanterinkatu", ALEKSANTERINKATU), ("mannerheimintie", MANNERHEIMINTIE)])


def test_nearest_snaps_a_point_beside_a_street() -> None:
    index = build_index()
    # 20 m north of Aleksanterinkatu's middle vertex.
    lat = 60.1687400 + 20 / 111_195
    street, distance = index.nearest(lat, 24.9461000) or (None, math.nan)
    assert street == "aleksanterinkatu"
    assert distance == pytest.approx(20, abs=1.5)


def test_point_far_from_every_street_is_outside_the_city() -> None:
    index = build_index()
    assert index.nearest(60.2000, 24.9400) is None  # about 3 km north
    assert index.nearest(60.2000, 24.9400, max_distance_m=5_000) is not None


def test_within_lists_streets_nearest_first() -> None:
    index = build_index()
    # Near where the two streets come closest, at Aleksanterinkatu's west end.
    found = index.within(60.16899, 24.94104, radius_m=300)
    assert [street for street, _ in found] == ["aleksanterinkatu", "mannerheimintie"]
    assert found[0][1] < 1.0 < found[1][1] < 300
    assert index.within(60.16899, 24.94104, radius_m=5) == [("aleksanterinkatu", found[0][1])]
    assert index.within(60.2, 24.94, radius_m=100) == []


def test_add_update_and_remove_rebuild_lazily() -> None:
    index = StreetIndex()
    assert index.nearest(60.17, 24.94) is None
    assert len(index) == 0
    index.add("a", ALEKSANTERINKATU)
    index.add("a", ALEKSANTERINKATU)  # a redelivered event: still one street
    assert len(index) == 1
    assert index.nearest(60.1688, 24.946)[0] == "a"  # type: ignore[index]
    index.update("a", MANNERHEIMINTIE)  # the street moved west
    assert index.nearest(60.1688, 24.946) is None
    assert index.nearest(60.1700, 24.9388)[0] == "a"  # type: ignore[index]
    with pytest.raises(KeyError):
        index.update("unknown", MANNERHEIMINTIE)
    index.remove("a")
    index.remove("a")
    assert "a" not in index
    assert index.nearest(60.1700, 24.9388) is None


def test_add_rejects_lat_lon_swapped_coordinates() -> None:
    with pytest.raises(ValueError, match="WGS84"):
        StreetIndex().add("swapped", [(60.17, 124.94)])
    with pytest.raises(ValueError, match="no coordinates"):
        StreetIndex().add("empty", [])


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(min_value=-70, max_value=70),
    lon=st.floats(min_value=-179, max_value=179),
    north_m=st.floats(min_value=-10_000, max_value=10_000),
    east_m=st.floats(min_value=-10_000, max_value=10_000),
)
def test_local_metres_agree_with_haversine_within_a_city(lat: float, lon: float, north_m: float, east_m: float) -> None:
    projection = LocalProjection(lat, lon)
    other_lon, other_lat = projection.to_lonlat(east_m, north_m)
    assert haversine_m(lat, lon, other_lat, other_lon) == pytest.approx(math.hypot(east_m, north_m), rel=0.01, abs=0.01)
