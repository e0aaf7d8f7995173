"""Street geometry in metres, and snapping points to the nearest street.

Coordinates follow GeoJSON: a street is a sequence of ``(lon, lat)`` pairs in WGS84. Functions
that take a single point take ``lat, lon`` (the order people and phones give it). Metric work is
done in a local equirectangular projection around the city: within a city (tens of kilometres)
its distance error stays well under 1 %, and it needs no projection library.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable, Iterable, Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), the usual choice for haversine
DEFAULT_SNAP_DISTANCE_M = 150.0

LonLat = tuple[float, float]
StreetKey = Hashable


class LatLon(NamedTuple):
    """A WGS84 point with named fields, so lat and lon can't be swapped silently."""

    lat: float
    lon: float


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def haversine_matrix_m(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """All-pairs great-circle distances (float metres) for the given points (degrees)."""
    return haversine_to_points_m(lats, lons, lats, lons)


def haversine_to_points_m(lats: np.ndarray, lons: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distances in metres from each of ``lats/lons`` (rows) to each of ``lat/lon`` (columns), in degrees."""
    phi1 = np.radians(lats)[:, None]
    phi2 = np.radians(lat)[None, :]
    dlmb = np.radians(lons)[:, None] - np.radians(lon)[None, :]
    a = np.sin((phi2 - phi1) / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def haversine_pairwise_m(lats1: np.ndarray, lons1: np.ndarray, lats2: np.ndarray, lons2: np.ndarray) -> np.ndarray:
    """Element-wise distances in metres between ``(lats1[i], lons1[i])`` and ``(lats2[i], lons2[i])``, in degrees."""
    phi1, phi2 = np.radians(lats1), np.radians(lats2)
    dlmb = np.radians(lons2) - np.radians(lons1)
    a = np.sin((phi2 - phi1) / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def box_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) in degrees: a box that holds every point within ``radius_m`` of
    (lat, lon) by `haversine_m`, to narrow a search before the exact distance is asked."""
    angle = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(angle)
    spread = math.sin(min(angle, math.pi / 2)) / max(math.cos(math.radians(lat)), 1e-12)
    dlon = 180.0 if angle >= math.pi / 2 or spread >= 1.0 else math.degrees(math.asin(spread))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def line_length_m(coordinates: Sequence[LonLat]) -> float:
    """Length in metres of a GeoJSON LineString's coordinates: the haversine sum of its segments."""
    return sum(haversine_m(lat1, lon1, lat2, lon2) for (lon1, lat1), (lon2, lat2) in pairwise(coordinates))


class LocalProjection:
    """Equirectangular projection to metres around a reference point.

    x grows east, y grows north, both in metres from the reference. Good for a city; the error grows
    with the north-south distance from the reference (about 0.3 % at 10 km, at 60° north).
    """

    def __init__(self, ref_lat: float, ref_lon: float) -> None:
        self.ref_lat = ref_lat
        self.ref_lon = ref_lon
        self._m_per_deg_lat = math.radians(1.0) * EARTH_RADIUS_M
        self._m_per_deg_lon = self._m_per_deg_lat * math.cos(math.radians(ref_lat))

    @classmethod
    def around(cls, coordinates: Iterable[LonLat]) -> LocalProjection:
        """A projection centred on the bounding box of the given ``(lon, lat)`` points."""
        points = np.asarray(list(coordinates), dtype=float).reshape(-1, 2)
        if len(points) == 0:
            raise ValueError("cannot centre a projection on no coordinates")
        lon_min, lat_min = points.min(axis=0)
        lon_max, lat_max = points.max(axis=0)
        return cls((lat_min + lat_max) / 2, (lon_min + lon_max) / 2)

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            (lon - self.ref_lon) * self._m_per_deg_lon,
            (lat - self.ref_lat) * self._m_per_deg_lat,
        )

    def to_lonlat(self, x: float, y: float) -> LonLat:
        return (
            x / self._m_per_deg_lon + self.ref_lon,
            y / self._m_per_deg_lat + self.ref_lat,
        )

    def line(self, coordinates: Sequence[LonLat]) -> BaseGeometry:
        """The coordinates as a shapely geometry in metres (a Point if there is only one)."""
        xy = [self.to_xy(lon, lat) for lon, lat in coordinates]
        if not xy:
            raise ValueError("a street needs at least one coordinate")
        return Point(xy[0]) if len(xy) == 1 else LineString(xy)

    def project_geometry(self, geometry: BaseGeometry) -> BaseGeometry:
        """A WGS84 shapely geometry (x = lon, y = lat) in metres."""
        return shapely.transform(geometry, self.points_to_xy)

    def points_to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        """`to_xy` of many points at once: rows of (lon, lat) in, rows of (x, y) metres out."""
        out = np.empty_like(lonlat)
        out[:, 0] = (lonlat[:, 0] - self.ref_lon) * self._m_per_deg_lon
        out[:, 1] = (lonlat[:, 1] - self.ref_lat) * self._m_per_deg_lat
        return out


def line_centroid(coordinates: Sequence[LonLat]) -> LatLon:
    """Length-weighted centroid of a line: where a map marker for the street belongs.

    For a bent street it may lie a little off the street; use `line_midpoint` for a point on it.
    """
    projection = LocalProjection.around(coordinates)
    centre = projection.line(coordinates).centroid
    lon, lat = projection.to_lonlat(centre.x, centre.y)
    return LatLon(lat, lon)


def line_midpoint(coordinates: Sequence[LonLat]) -> LatLon:
    """The point halfway along the line: a representative point that is always on the street."""
    projection = LocalProjection.around(coordinates)
    line = projection.line(coordinates)
    middle = line if isinstance(line, Point) else line.interpolate(0.5, normalized=True)
    lon, lat = projection.to_lonlat(middle.x, middle.y)
    return LatLon(lat, lon)


class StreetIndex:
    """Spatial index over street lines for snapping points (resident reports) to a street.

    Built from ``(street_id, [(lon, lat), ...])`` pairs. ``add``/``update``/``remove`` only mark
    the index stale; the STRtree is rebuilt on the next query, so loading a registry of thousands
    of streets one event at a time costs one build, not thousands. Safe to share between threads.
    """

    def __init__(self, streets: Iterable[tuple[StreetKey, Sequence[LonLat]]] = ()) -> None:
        self._coordinates: dict[StreetKey, list[LonLat]] = {}
        self._lock = threading.Lock()
        self._tree: shapely.STRtree | None = None
        self._keys: list[StreetKey] = []
        self._projection: LocalProjection | None = None
        for street_id, coordinates in streets:
            self.add(street_id, coordinates)

    def __len__(self) -> int:
        return len(self._coordinates)

    def __contains__(self, street_id: object) -> bool:
        return street_id in self._coordinates

    def add(self, street_id: StreetKey, coordinates: Sequence[LonLat]) -> None:
        """Insert a street, or replace its line: a redelivered ``street.registered`` is harmless."""
        line = [(float(lon), float(lat)) for lon, lat in coordinates]
        if not line:
            raise ValueError(f"street {street_id!r} has no coordinates")
        for lon, lat in line:
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                raise ValueError(
                    f"street {street_id!r} has coordinate ({lon}, {lat}) outside WGS84; "
                    "coordinates must be (lon, lat) pairs"
                )
        with self._lock:
            self._coordinates[street_id] = line
            self._tree = None

    def update(self, street_id: StreetKey, coordinates: Sequence[LonLat]) -> None:
        """Replace the line of a known street (``street.updated``); KeyError if it is unknown."""
        if street_id not in self._coordinates:
            raise KeyError(street_id)
        self.add(street_id, coordinates)

    def remove(self, street_id: StreetKey) -> None:
        """Forget a street; unknown ids are ignored so a repeated removal is harmless."""
        with self._lock:
            if self._coordinates.pop(street_id, None) is not None:
                self._tree = None

    def nearest(
        self, lat: float, lon: float, max_distance_m: float = DEFAULT_SNAP_DISTANCE_M
    ) -> tuple[StreetKey, float] | None:
        """The closest street and its distance in metres, or None when the point is outside the
        city (farther than ``max_distance_m`` from every street). Ties go to the first added."""
        tree, keys, projection = self._built()
        if tree is None or projection is None:
            return None
        point = Point(projection.to_xy(lon, lat))
        indices, distances = tree.query_nearest(
            point, max_distance=max_distance_m, return_distance=True, all_matches=True
        )
        if len(indices) == 0:
            return None
        best = int(np.lexsort((indices, distances))[0])
        return keys[int(indices[best])], float(distances[best])

    def within(self, lat: float, lon: float, radius_m: float) -> list[tuple[StreetKey, float]]:
        """Every street within ``radius_m`` metres of the point, nearest first."""
        tree, keys, projection = self._built()
        if tree is None or projection is None:
            return []
        point = Point(projection.to_xy(lon, lat))
        indices = tree.query(point, predicate="dwithin", distance=radius_m)
        if len(indices) == 0:
            return []
        distances = shapely.distance(tree.geometries.take(indices), point)
        order = np.lexsort((indices, distances))
        return [(keys[int(indices[i])], float(distances[i])) for i in order]

    def _built(
        self,
    ) -> tuple[shapely.STRtree | None, list[StreetKey], LocalProjection | None]:
        """The current tree, rebuilt first if streets changed since the last query."""
        with self._lock:
            if self._tree is None and self._coordinates:
                self._projection = LocalProjection.around(
                    point for line in self._coordinates.values() for point in line
                )
                self._keys = list(self._coordinates)
                geometries = [self._projection.line(self._coordinates[k]) for k in self._keys]
                self._tree = shapely.STRtree(geometries)
            if not self._coordinates:
                return None, [], None
            return self._tree, self._keys, self._projection
