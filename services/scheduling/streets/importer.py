"""Street importer: GeoJSON or OpenStreetMap ``.osm.pbf`` in, registry-ready streets out.

A street in the registry is a named street within one district. Ways (OSM) or features (GeoJSON)
with the same name in the same district that touch or nearly touch (dual carriageways, a gap at a
square) become one street; the same name far apart stays two streets.

Which OSM ways are streets: ``highway`` = primary, secondary, tertiary, trunk (and their
``_link`` ramps), unclassified, residential, living_street, road and pedestrian, with a ``name``.
Left out on purpose: motorways (not cleaned by street crews), ``service`` (driveways, parking
aisles, mostly private land) and footway / cycleway / path / steps (park paths, kept by the parks
department; named ones are few and would add noise to a dispatcher's list).

Districts come from, in order: a ``district`` property (GeoJSON); OSM administrative boundaries
(admin_level 9-11) when the extract holds them complete; otherwise k-means on the streets'
midpoints into about one district per 60 streets. How those computed districts are named is the
importer's ``district_names`` choice (``streetcare import-streets --district-names``):

- ``data`` (the default): from the extract itself, in this order — an OSM place (``place`` =
  suburb / quarter / neighbourhood) within the district's reach, each place naming one district,
  the nearest pairs first; else the most common ``addr:suburb`` (or ``addr:quarter``,
  ``addr:neighbourhood``, ``addr:district``, ``is_in:suburb``) of the addresses in it; else the
  name of its longest street (the most metres in it, e.g. "Mannerheimintie"), in the city's own language
  whatever that is. A name goes to one district only.
- ``street``: always the name of the district's longest street.
- ``compass-en`` / ``compass-nl``: the direction from the city centre in English ("Centre",
  "North", "Southwest", ...) or Dutch ("Centrum", "Noord", "Zuidwest", ...); two districts on the
  same side get the name of their longest street added.

Traffic: ``oneway`` is 1 when vehicles may only go in the direction of the street's line, -1 when only
against it, 0 both ways; a street is one-way only when all its ways are one-way the same way along its
line (OSM ``oneway=yes/-1``, roundabouts), so a boulevard of two one-way carriageways is two-way.
``drivable`` is false for pedestrian streets (and ways closed to vehicles), which only crews on foot
travel along.  GeoJSON features may carry both as properties.

Geometry: the registry stores one GeoJSON LineString per street, so a street's ways are merged
with shapely's ``linemerge`` and, when they stay in several pieces (typically the two carriageways
of a boulevard), the longest piece is kept as the line. ``length_m`` is always the length of *all*
the street's ways, because that is what a crew has to clean.

With ``split_at_crossings=True`` a street is further cut into sections between crossing streets
(at least ``min_section_m`` long), named like "Bulevardi, Annankatu – Fredrikinkatu"; each section
gets its share of the street's length. Cities plan cleaning per such section; the demo city uses it.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely
from osmium.geom import WKBFactory
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, substring

from kernel.geo import (
    LatLon,
    LocalProjection,
    LonLat,
    line_centroid,
    line_length_m,
)
from services.scheduling.planning.kinds import DEFAULT_KIND as DEFAULT_KIND  # re-exported: the importer's default kind
from services.scheduling.planning.kinds import IMPORTED_KINDS
from services.scheduling.streets.naming import DEFAULT_DISTRICT_NAMING, DISTRICT_NAMINGS

OSM_ATTRIBUTION = "© OpenStreetMap contributors"

KIND_BY_HIGHWAY: dict[str, str] = {
    "trunk": "main",
    "trunk_link": "main",
    "primary": "main",
    "primary_link": "main",
    "secondary": "main",
    "secondary_link": "main",
    "tertiary": "main",
    "tertiary_link": "main",
    "unclassified": "residential",
    "residential": "residential",
    "living_street": "residential",
    "road": "residential",
    "pedestrian": "pedestrian",
}
STREET_KINDS = IMPORTED_KINDS

JOIN_DISTANCE_M = 40.0  # same-name ways closer than this are one street
MIN_SECTION_M = 40.0  # crossings closer together than this don't start a new section
STREETS_PER_DISTRICT = 60  # k-means aims for about this many streets per computed district
DISTRICT_ADMIN_LEVELS = ("10", "9", "11")  # preferred first on equal coverage
PLACE_KINDS = frozenset({"suburb", "quarter", "neighbourhood"})
# A street is a shopping street when it has this many shops / cafés per 100 m within reach.
SHOP_REACH_M = 25.0
SHOPPING_POIS_PER_100M = 8.0
SHOPPING_MIN_POIS = 4
FOOD_AND_DRINK = frozenset({"restaurant", "cafe", "fast_food", "bar", "pub", "ice_cream"})
# counter-clockwise from east, as atan2 turns
COMPASS_NAMES = {
    "nl": ("Oost", "Noordoost", "Noord", "Noordwest", "West", "Zuidwest", "Zuid", "Zuidoost"),
    "en": ("East", "Northeast", "North", "Northwest", "West", "Southwest", "South", "Southeast"),
}
CENTRE_NAMES = {"nl": "Centrum", "en": "Centre"}
# An address's suburb, in the order asked (the first present counts)
ADDRESS_AREA_KEYS = ("addr:suburb", "addr:quarter", "addr:neighbourhood", "addr:district", "is_in:suburb")
PLACE_REACH_MARGIN_M = 150.0  # a place names a district if it lies within its streets' reach plus this
COORDINATE_DECIMALS = 6  # ~0.1 m: plenty for streets, keeps the files small

GEOJSON_SUFFIXES = (".geojson", ".json")
OSM_SUFFIXES = (".osm.pbf", ".pbf")


@dataclass(frozen=True)
class ImportedStreet:
    """One street (or street section) ready for the registry.

    ``coordinates`` is a GeoJSON LineString's coordinates, ``(lon, lat)`` pairs in WGS84.
    ``external_id`` stays the same when the same source is imported again, so a re-import
    updates streets instead of duplicating them.
    """

    external_id: str
    name: str
    district: str
    kind: str
    coordinates: tuple[LonLat, ...]
    length_m: float
    oneway: int = 0
    """1: vehicles only along ``coordinates``; -1: only against them; 0: both ways."""
    drivable: bool = True
    """False for a street vehicles may not use (a pedestrian street)."""

    @property
    def centroid(self) -> LatLon:
        return line_centroid(self.coordinates)

    def geometry(self) -> dict[str, Any]:
        """The street's line as a GeoJSON geometry object."""
        return {
            "type": "LineString",
            "coordinates": [list(point) for point in self.coordinates],
        }


@dataclass(frozen=True)
class _SourceLine:
    """One input line before grouping: an OSM way or (a part of) a GeoJSON feature."""

    order: int  # OSM way id or feature index: makes every tie-break deterministic
    name: str
    kind: str
    coordinates: tuple[LonLat, ...]
    district: str | None = None
    external_id: str | None = None  # GeoJSON features that already carry an id stay as they are
    length_m: float | None = None
    oneway: int = 0  # 1: vehicles only along the coordinates; -1: only against them
    drivable: bool = True


@dataclass
class _Unit:
    """A street or section during import, in projected metres, before its district is known."""

    name: str
    district: str | None
    kind: str
    line: LineString
    length_m: float
    external_id: str
    oneway: int = 0
    drivable: bool = True


@dataclass(frozen=True)
class _OsmExtract:
    lines: list[_SourceLine]
    places: list[tuple[str, float, float]]  # (name, lon, lat)
    shops: list[LonLat]
    boundaries: dict[str, list[tuple[str, BaseGeometry]]]  # admin_level -> [(name, polygon)]
    addresses: list[tuple[str, float, float]]  # (suburb named in the address, lon, lat)


# --------------------------------------------------------------------------- public entry points


Progress = Callable[[str], None]
"""Told what a long import is doing, a line at a time (the CLI prints it; nothing else listens)."""
OSM_OBJECTS_PER_PROGRESS_LINE = 250_000


def _quiet(_: str) -> None:
    return None


def load_streets(
    path: str | Path,
    *,
    progress: Progress = _quiet,
    split_at_crossings: bool = False,
    min_section_m: float = MIN_SECTION_M,
    max_section_m: float | None = None,
    district_names: str = DEFAULT_DISTRICT_NAMING,
) -> list[ImportedStreet]:
    """Read streets from a GeoJSON or OSM PBF file, chosen by the file's extension."""
    _check_naming(district_names)
    path = Path(path)
    lowered = path.name.lower()
    if not lowered.endswith(GEOJSON_SUFFIXES + OSM_SUFFIXES):
        raise ValueError(
            f"{path}: unknown street file format; give a GeoJSON file (.geojson or .json) "
            "or an OpenStreetMap extract (.osm.pbf)"
        )
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such street file")
    if path.stat().st_size == 0:
        raise ValueError(
            f"{path} is empty; expected a GeoJSON FeatureCollection of named LineStrings "
            "or an OpenStreetMap .osm.pbf extract"
        )
    if lowered.endswith(GEOJSON_SUFFIXES):
        return read_geojson(
            path,
            split_at_crossings=split_at_crossings,
            min_section_m=min_section_m,
            max_section_m=max_section_m,
            district_names=district_names,
        )
    return read_osm_pbf(
        path,
        progress=progress,
        split_at_crossings=split_at_crossings,
        min_section_m=min_section_m,
        max_section_m=max_section_m,
        district_names=district_names,
    )


def _check_naming(district_names: str) -> None:
    if district_names not in DISTRICT_NAMINGS:
        raise ValueError(f"unknown district naming {district_names!r}; choose one of {', '.join(DISTRICT_NAMINGS)}")


def read_geojson(
    source: str | Path | dict[str, Any],
    *,
    split_at_crossings: bool = False,
    min_section_m: float = MIN_SECTION_M,
    max_section_m: float | None = None,
    district_names: str = DEFAULT_DISTRICT_NAMING,
) -> list[ImportedStreet]:
    """Streets from a GeoJSON FeatureCollection (a path or the parsed object).

    Features need a ``name``; ``district``, ``kind``, ``external_id`` and ``length_m`` are used
    when present. A feature with an ``external_id`` (as ``to_geojson`` writes) is taken as one
    finished street, so exporting and importing again gives the same streets.
    """
    label = str(source) if isinstance(source, (str, Path)) else "GeoJSON input"
    data = _parse_json(Path(source)) if isinstance(source, (str, Path)) else source
    lines = _geojson_lines(data, label)
    _check_naming(district_names)
    return _build_streets(
        lines,
        label=label,
        id_prefix="geojson",
        split_at_crossings=split_at_crossings,
        min_section_m=min_section_m,
        max_section_m=max_section_m,
        district_names=district_names,
    )


def read_osm_pbf(
    path: str | Path,
    *,
    progress: Progress = _quiet,
    split_at_crossings: bool = False,
    min_section_m: float = MIN_SECTION_M,
    max_section_m: float | None = None,
    district_names: str = DEFAULT_DISTRICT_NAMING,
) -> list[ImportedStreet]:
    """Streets from an OpenStreetMap ``.osm.pbf`` extract (see the module docstring for which)."""
    _check_naming(district_names)
    path = Path(path)
    extract = _read_osm(path, progress)
    if not extract.lines:
        raise ValueError(
            f"{path}: no named streets found (ways tagged highway="
            f"{'/'.join(sorted(KIND_BY_HIGHWAY))} with a name); is this the right extract?"
        )
    progress(
        f"read {path.name}: {len(extract.lines):,} named street ways, {len(extract.places):,} places, "
        f"{len(extract.addresses):,} addresses naming a suburb; "
        "joining the ways into streets and naming districts"
    )
    return _build_streets(
        extract.lines,
        label=str(path),
        id_prefix="osm",
        split_at_crossings=split_at_crossings,
        min_section_m=min_section_m,
        max_section_m=max_section_m,
        places=extract.places,
        shops=extract.shops,
        boundaries=extract.boundaries,
        addresses=extract.addresses,
        district_names=district_names,
    )


def to_geojson(streets: Iterable[ImportedStreet], *, attribution: str | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the streets, readable again by `read_geojson`."""
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if attribution:
        collection["attribution"] = attribution
    collection["features"] = [
        {
            "type": "Feature",
            "id": street.external_id,
            "properties": {
                "external_id": street.external_id,
                "name": street.name,
                "district": street.district,
                "kind": street.kind,
                "length_m": street.length_m,
                "oneway": street.oneway,
                "drivable": street.drivable,
            },
            "geometry": street.geometry(),
        }
        for street in streets
    ]
    return collection


# --------------------------------------------------------------------------- reading GeoJSON


def _parse_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text, so not GeoJSON: {error}") from error
    if not text.strip():
        raise ValueError(f"{path} is empty; expected a GeoJSON FeatureCollection")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error


def _geojson_lines(data: Any, label: str) -> list[_SourceLine]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"{label}: expected a GeoJSON FeatureCollection, found {found!r}")
    features = data.get("features")
    if not isinstance(features, list):
        raise ValueError(f"{label}: the FeatureCollection has no 'features' list")
    lines: list[_SourceLine] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise ValueError(f"{label}: feature {index} is not a JSON object")
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        name = str(properties.get("name") or "").strip()
        if not name or geometry.get("type") not in ("LineString", "MultiLineString"):
            continue  # unnamed paths, points of interest: not streets
        parts = (
            [geometry.get("coordinates")]
            if geometry["type"] == "LineString"
            else list(geometry.get("coordinates") or [])
        )
        district = str(properties["district"]).strip() if properties.get("district") else None
        kind = str(properties.get("kind") or DEFAULT_KIND)
        external_id = properties.get("external_id") or None
        length = properties.get("length_m")
        oneway = _oneway(properties.get("oneway"))
        drivable = _flag(properties.get("drivable"), default=kind != "pedestrian")
        for part in parts:
            coordinates = _checked_coordinates(part, label, index)
            if len(coordinates) < 2:
                continue
            lines.append(
                _SourceLine(
                    order=index,
                    name=name,
                    kind=kind,
                    coordinates=coordinates,
                    district=district,
                    external_id=str(external_id) if external_id and len(parts) == 1 else None,
                    length_m=float(length) if length is not None and len(parts) == 1 else None,
                    oneway=oneway,
                    drivable=drivable,
                )
            )
    if not lines:
        raise ValueError(
            f"{label}: no named LineString or MultiLineString features; each street needs "
            "a 'name' property and a line geometry"
        )
    return lines


def _oneway(value: Any) -> int:
    """OSM's ``oneway`` (yes / true / 1 / -1 / reverse / no) or a number, as 1, -1 or 0."""
    text = str(value).strip().lower() if value is not None else ""
    if text in ("yes", "true", "1"):
        return 1
    if text in ("-1", "reverse"):
        return -1
    return 0


def _flag(value: Any, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("false", "no", "0")


def _checked_coordinates(raw: Any, label: str, index: int) -> tuple[LonLat, ...]:
    try:
        points = tuple((float(point[0]), float(point[1])) for point in raw)
    except (TypeError, ValueError, IndexError) as error:
        raise ValueError(f"{label}: feature {index} has malformed coordinates") from error
    for lon, lat in points:
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise ValueError(
                f"{label}: feature {index} has coordinate ({lon}, {lat}), which is not WGS84 "
                "longitude/latitude; re-export the file in EPSG:4326"
            )
    return points


# --------------------------------------------------------------------------- reading OSM


def _read_osm(path: Path, progress: Progress = _quiet) -> _OsmExtract:
    """One pass over the extract with node locations; boundary relations assembled as areas."""
    wkb = WKBFactory()
    lines: list[_SourceLine] = []
    places: list[tuple[str, float, float]] = []
    shops: list[LonLat] = []
    addresses: list[tuple[str, float, float]] = []
    boundaries: dict[str, list[tuple[str, BaseGeometry]]] = defaultdict(list)
    processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
    try:
        for seen, obj in enumerate(processor, start=1):
            if seen % OSM_OBJECTS_PER_PROGRESS_LINE == 0:
                progress(f"reading {path.name}: {seen:,} OSM objects, {len(lines):,} named street ways so far")
            tags = obj.tags
            address_area = next((area for key in ADDRESS_AREA_KEYS if (area := (tags.get(key) or "").strip())), None)
            if address_area and not isinstance(obj, osmium.osm.Area):  # an area is its way or relation again
                where = _osm_point(obj)
                if where is not None:
                    addresses.append((address_area, *where))
            if isinstance(obj, osmium.osm.Way):
                kind = KIND_BY_HIGHWAY.get(tags.get("highway") or "")
                name = (tags.get("name") or "").strip()
                if kind is None or not name:
                    continue
                coordinates = tuple(
                    (node.location.lon, node.location.lat) for node in obj.nodes if node.location.valid()
                )
                if len(coordinates) >= 2:
                    oneway = _oneway(tags.get("oneway"))
                    if not oneway and tags.get("junction") in ("roundabout", "circular") and "oneway" not in tags:
                        oneway = 1
                    closed = any(tags.get(key) == "no" for key in ("motor_vehicle", "vehicle", "access"))
                    drivable = tags.get("highway") != "pedestrian" and not closed
                    lines.append(_SourceLine(obj.id, name, kind, coordinates, oneway=oneway, drivable=drivable))
            elif isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    continue
                location = (obj.location.lon, obj.location.lat)
                place_name = tags.get("place") in PLACE_KINDS and tags.get("name")
                if place_name:
                    places.append((place_name, *location))
                shop = tags.get("shop")
                if (shop and shop != "vacant") or tags.get("amenity") in FOOD_AND_DRINK:
                    shops.append(location)
            elif isinstance(obj, osmium.osm.Area):
                level = tags.get("admin_level")
                area_name = tags.get("name")
                if tags.get("boundary") == "administrative" and level and area_name:
                    polygon = shapely.from_wkb(wkb.create_multipolygon(obj))
                    boundaries[level].append((area_name, polygon))
    except RuntimeError as error:  # libosmium: truncated or corrupt file
        raise ValueError(f"{path} could not be read as an OSM PBF extract: {error}") from error
    lines.sort(key=lambda line: line.order)
    return _OsmExtract(lines, places, shops, dict(boundaries), addresses)


def _osm_point(obj: Any) -> LonLat | None:
    """Where a node is, or the mean of a way's located nodes (a building's address); None for relations."""
    if isinstance(obj, osmium.osm.Node):
        return (obj.location.lon, obj.location.lat) if obj.location.valid() else None
    if isinstance(obj, osmium.osm.Way):
        located = [(node.location.lon, node.location.lat) for node in obj.nodes if node.location.valid()]
        if located:
            return (sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located))
    return None


# --------------------------------------------------------------------------- building streets


def _build_streets(
    lines: list[_SourceLine],
    *,
    label: str,
    id_prefix: str,
    split_at_crossings: bool,
    min_section_m: float,
    max_section_m: float | None,
    places: Sequence[tuple[str, float, float]] = (),
    shops: Sequence[LonLat] = (),
    boundaries: dict[str, list[tuple[str, BaseGeometry]]] | None = None,
    addresses: Sequence[tuple[str, float, float]] = (),
    district_names: str = DEFAULT_DISTRICT_NAMING,
) -> list[ImportedStreet]:
    projection = LocalProjection.around(point for line in lines for point in line.coordinates)
    projected = [LineString([projection.to_xy(*point) for point in line.coordinates]) for line in lines]
    keep = [index for index, geometry in enumerate(projected) if geometry.length > 0]
    lines = [lines[index] for index in keep]
    projected = [projected[index] for index in keep]
    if not lines:
        raise ValueError(f"{label}: every street line has zero length")

    districts = _districts_per_line(lines, projected, projection, boundaries or {})
    units: list[_Unit] = []
    finished = [index for index, line in enumerate(lines) if line.external_id]
    for index in finished:  # already a registry street (our own export): keep as it is
        line = lines[index]
        units.append(
            _Unit(
                name=line.name,
                district=districts[index],
                kind=line.kind,
                line=projected[index],
                length_m=_source_length_m(line),
                external_id=str(line.external_id),
                oneway=line.oneway,
                drivable=line.drivable,
            )
        )
    crossing_tree = shapely.STRtree(projected)
    groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        if not line.external_id:
            groups[(line.name, districts[index])].append(index)
    for (name, district), members in sorted(groups.items(), key=lambda item: min(item[1])):
        for component in _touching_components(members, projected):
            units.extend(
                _street_units(
                    name,
                    district,
                    component,
                    lines,
                    projected,
                    crossing_tree,
                    id_prefix=id_prefix,
                    split_at_crossings=split_at_crossings,
                    min_section_m=min_section_m,
                    max_section_m=max_section_m,
                )
            )
    if any(unit.district is None for unit in units):
        _assign_computed_districts(
            units,
            [(n, *projection.to_xy(lon, lat)) for n, lon, lat in places],
            [(n, *projection.to_xy(lon, lat)) for n, lon, lat in addresses],
            district_names,
        )
    if shops:
        _mark_shopping_streets(units, [projection.to_xy(lon, lat) for lon, lat in shops])
    _make_ids_unique(units)
    return [_to_imported(unit, projection) for unit in units]


def _districts_per_line(
    lines: list[_SourceLine],
    projected: list[LineString],
    projection: LocalProjection,
    boundaries: dict[str, list[tuple[str, BaseGeometry]]],
) -> list[str | None]:
    """Each line's district: its own property, else the admin area holding its midpoint.

    Lines left without one take the district of the nearest line that has one; if no line has
    one, all stay None and districts are computed later from the streets themselves.
    """
    districts: list[str | None] = [line.district for line in lines]
    midpoints = [geometry.interpolate(0.5, normalized=True) for geometry in projected]
    areas = _best_admin_level(boundaries, projection, midpoints)
    if areas:
        area_tree = shapely.STRtree([polygon for _, polygon in areas])
        for index, midpoint in enumerate(midpoints):
            if districts[index] is None:
                hits = area_tree.query(midpoint, predicate="within")
                if len(hits):
                    districts[index] = areas[int(min(hits))][0]
    known = [index for index, district in enumerate(districts) if district is not None]
    if known and len(known) < len(districts):
        known_tree = shapely.STRtree([projected[index] for index in known])
        for index, district in enumerate(districts):
            if district is None:
                nearest = int(known_tree.query_nearest(midpoints[index])[0])
                districts[index] = districts[known[nearest]]
    return districts


def _best_admin_level(
    boundaries: dict[str, list[tuple[str, BaseGeometry]]],
    projection: LocalProjection,
    midpoints: list[Point],
) -> list[tuple[str, BaseGeometry]]:
    """The admin level (9-11) whose areas hold the most street midpoints, projected to metres."""
    best: list[tuple[str, BaseGeometry]] = []
    best_covered = 0
    for level in DISTRICT_ADMIN_LEVELS:
        areas = [(name, projection.project_geometry(poly)) for name, poly in boundaries.get(level, [])]
        if len({name for name, _ in areas}) < 2:
            continue  # one area is not a division into districts
        tree = shapely.STRtree([polygon for _, polygon in areas])
        covered = len(set(tree.query(midpoints, predicate="within")[0].tolist()))
        if covered > best_covered:
            best, best_covered = areas, covered
    return best


def _touching_components(members: list[int], projected: list[LineString]) -> list[list[int]]:
    """Split same-name lines into groups whose lines are chained within JOIN_DISTANCE_M."""
    parent = {index: index for index in members}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    tree = shapely.STRtree([projected[index] for index in members])
    pairs = tree.query(
        [projected[index] for index in members],
        predicate="dwithin",
        distance=JOIN_DISTANCE_M,
    )
    for left, right in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        a, b = root(members[left]), root(members[right])
        if a != b:
            parent[max(a, b)] = min(a, b)
    components: dict[int, list[int]] = defaultdict(list)
    for index in members:
        components[root(index)].append(index)
    return sorted(components.values(), key=min)


def _street_units(
    name: str,
    district: str | None,
    component: list[int],
    lines: list[_SourceLine],
    projected: list[LineString],
    crossing_tree: shapely.STRtree,
    *,
    id_prefix: str,
    split_at_crossings: bool,
    min_section_m: float,
    max_section_m: float | None,
) -> list[_Unit]:
    """One street from a group of touching same-name lines, or its sections between crossings."""
    merged = linemerge(MultiLineString([projected[index] for index in component]))
    parts = list(merged.geoms) if isinstance(merged, MultiLineString) else [merged]
    main = _canonical_direction(max(parts, key=lambda part: (part.length, part.coords[0])))
    total_length_m = sum(_source_length_m(lines[index]) for index in component)
    kind = _main_kind([lines[index] for index in component], projected, component)
    if id_prefix == "osm":
        base_id = f"osm:way:{min(lines[index].order for index in component)}"
    else:
        base_id = f"geojson:{name}:{district or ''}"
    oneway, drivable = _traffic(main, [lines[index] for index in component], [projected[index] for index in component])
    whole = _Unit(name, district, kind, main, round(total_length_m, 1), base_id, oneway, drivable)
    if not split_at_crossings:
        return [whole]
    crossings = _crossings(main, name, component, lines, crossing_tree)
    sections = _split_long_sections(_cut_at_crossings(main, crossings, min_section_m), max_section_m or math.inf)
    if len(sections) == 1:
        return [whole]
    units = []
    for number, (start, end, from_street, to_street, part) in enumerate(sections, start=1):
        piece = substring(main, start, end)
        assert isinstance(piece, LineString)  # start < end: two cuts are min_section_m apart, so never a point
        share = total_length_m * (end - start) / main.length
        section_name = _section_name(name, from_street, to_street, number, len(sections))
        units.append(
            _Unit(
                f"{section_name} ({part})" if part else section_name,
                district,
                kind,
                piece,
                round(share, 1),
                f"{base_id}:{number}",
                oneway,
                drivable,
            )
        )
    return units


def _traffic(main: LineString, members: list[_SourceLine], projected: list[LineString]) -> tuple[int, bool]:
    """The street's ``oneway`` along ``main`` and whether vehicles may use it (most of its length)."""
    directions = set()
    for line, geometry in zip(members, projected, strict=True):
        if not line.oneway:
            directions.add(0)
            continue
        start, end = main.project(Point(geometry.coords[0])), main.project(Point(geometry.coords[-1]))
        directions.add(line.oneway if end >= start else -line.oneway)
    oneway = directions.pop() if len(directions) == 1 else 0
    drivable_m = sum(g.length for line, g in zip(members, projected, strict=True) if line.drivable)
    return oneway, drivable_m * 2 >= sum(g.length for g in projected)


def _source_length_m(line: _SourceLine) -> float:
    """A line's own length, unless the source states it (our export: all carriageways)."""
    return line.length_m if line.length_m is not None else line_length_m(line.coordinates)


def _canonical_direction(line: LineString) -> LineString:
    """Orient a line west to east (south to north on a tie) so ids don't depend on way order."""
    first, last = line.coords[0], line.coords[-1]
    return line if (first[0], first[1]) <= (last[0], last[1]) else line.reverse()


def _main_kind(members: list[_SourceLine], projected: list[LineString], indices: list[int]) -> str:
    """The kind covering most of the street's length (a residential street with a main-road end
    stays residential)."""
    length_by_kind: defaultdict[str, float] = defaultdict(float)
    for line, index in zip(members, indices, strict=True):
        length_by_kind[line.kind] += projected[index].length
    return max(sorted(length_by_kind), key=lambda kind: length_by_kind[kind])


def _crossings(
    main: LineString,
    name: str,
    component: list[int],
    lines: list[_SourceLine],
    crossing_tree: shapely.STRtree,
) -> list[tuple[float, str]]:
    """Positions along ``main`` (metres from its start) where another named street meets it."""
    own = set(component)
    found: list[tuple[float, str]] = []
    for hit in crossing_tree.query(main, predicate="intersects").tolist():
        if hit in own or lines[hit].name == name:
            continue
        meeting = main.intersection(crossing_tree.geometries[hit])
        for point in shapely.get_coordinates(meeting):
            found.append((main.project(Point(point)), lines[hit].name))
    return sorted(set(found))


def _cut_at_crossings(
    main: LineString, crossings: list[tuple[float, str]], min_section_m: float
) -> list[tuple[float, float, str | None, str | None]]:
    """Sections ``(start_m, end_m, from_street, to_street)`` cut at crossings, none shorter than
    ``min_section_m``; a crossing close to an end names that end instead of cutting."""
    length = main.length
    cuts: list[tuple[float, str]] = []
    last = 0.0
    for position, street in crossings:
        if position - last >= min_section_m and length - position >= min_section_m:
            cuts.append((position, street))
            last = position
    start_name = next((s for p, s in crossings if p < min_section_m), None)
    end_name = next((s for p, s in reversed(crossings) if length - p < min_section_m), None)
    bounds = [(0.0, start_name), *cuts, (length, end_name)]
    return [(start, end, from_street, to_street) for (start, from_street), (end, to_street) in pairwise(bounds)]


def _split_long_sections(
    sections: list[tuple[float, float, str | None, str | None]], max_section_m: float
) -> list[tuple[float, float, str | None, str | None, str]]:
    """Cut sections longer than ``max_section_m`` into equal parts, labelled "1/3", "2/3", ...

    A long block is more than a crew does in one go, and a shorter unit lets a report or a
    volunteer's pick count for the stretch where it happened rather than the whole block.
    """
    result: list[tuple[float, float, str | None, str | None, str]] = []
    for start, end, from_street, to_street in sections:
        parts = max(1, math.ceil((end - start) / max_section_m - 1e-9))
        step = (end - start) / parts
        for part in range(parts):
            label = f"{part + 1}/{parts}" if parts > 1 else ""
            result.append(
                (
                    start + part * step,
                    start + (part + 1) * step,
                    from_street,
                    to_street,
                    label,
                )
            )
    return result


def _section_name(name: str, from_street: str | None, to_street: str | None, number: int, of: int) -> str:
    """A section name a dispatcher can find on a street sign: 'Bulevardi, Annankatu – Fredrikinkatu'."""
    if from_street and to_street and from_street != to_street:
        return f"{name}, {from_street} – {to_street}"
    if from_street and to_street:
        return f"{name}, at {from_street}"
    if from_street:
        return f"{name}, from {from_street}"
    if to_street:
        return f"{name}, up to {to_street}"
    return f"{name} ({number}/{of})"


def _assign_computed_districts(
    units: list[_Unit],
    places: list[tuple[str, float, float]],
    addresses: list[tuple[str, float, float]],
    naming: str,
) -> None:
    """Give units without a district one computed by k-means on their midpoints, named as ``naming`` says."""
    pending = [unit for unit in units if unit.district is None]
    points = np.array([_midpoint_xy(unit.line) for unit in pending])
    count = max(1, min(len(pending), round(len(pending) / STREETS_PER_DISTRICT)))
    labels, centres = _kmeans(points, count)
    members: list[list[_Unit]] = [[] for _ in range(count)]
    for unit, label in zip(pending, labels.tolist(), strict=True):
        members[label].append(unit)
    if naming.startswith("compass-"):
        names = _compass_names(centres, members, points, naming.removeprefix("compass-"))
    else:
        reach = [float(np.hypot(*(points[labels == label] - centres[label]).T).max()) for label in range(count)]
        from_data = naming == "data"  # else "street": the longest street only
        names = _data_names(centres, reach, members, places if from_data else [], addresses if from_data else [])
    for unit, label in zip(pending, labels.tolist(), strict=True):
        unit.district = names[label]


def _midpoint_xy(line: LineString) -> tuple[float, float]:
    middle = line.interpolate(0.5, normalized=True)
    return (middle.x, middle.y)


def _kmeans(points: np.ndarray, count: int, iterations: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Plain Lloyd's k-means with k-means++ seeding from a fixed seed: same input, same districts."""
    rng = np.random.default_rng(20240601)
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, count):
        squared = np.min(((points[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(points[rng.choice(len(points), p=squared / squared.sum())])
    centre_array = np.array(centres, dtype=float)
    labels = np.zeros(len(points), dtype=int)
    for _ in range(iterations):
        distances = ((points[:, None, :] - centre_array[None]) ** 2).sum(-1)
        new_labels = distances.argmin(axis=1)
        for label in range(count):
            if np.any(new_labels == label):
                centre_array[label] = points[new_labels == label].mean(axis=0)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return labels, centre_array


def _longest_streets(members: list[_Unit]) -> list[str]:
    """The district's street names, the most metres of street in it first (a section counts for its
    street: its name without the crossings); equal lengths by name."""
    metres: defaultdict[str, float] = defaultdict(float)
    for unit in members:
        metres[unit.name.split(",")[0]] += unit.length_m
    return sorted(metres, key=lambda name: (-round(metres[name], 6), name))


def _data_names(
    centres: np.ndarray,
    reach: list[float],
    members: list[list[_Unit]],
    places: list[tuple[str, float, float]],
    addresses: list[tuple[str, float, float]],
) -> list[str]:
    """Names from the extract, each used once: places, then the addresses' suburbs, then the longest street.

    A place (OSM suburb / quarter / neighbourhood) may name a district when it lies within
    ``reach`` (the farthest street midpoint from the centre) plus a margin; the nearest place-district
    pairs are settled first. An address belongs to the district whose centre is nearest.
    """
    count = len(centres)
    names: list[str | None] = [None] * count
    used: set[str] = set()
    pairs = sorted(
        (float(np.hypot(centres[label, 0] - x, centres[label, 1] - y)), place_name, label)
        for place_name, x, y in places
        for label in range(count)
    )
    for distance, place_name, label in pairs:
        if names[label] is None and place_name not in used and distance <= reach[label] + PLACE_REACH_MARGIN_M:
            names[label] = place_name
            used.add(place_name)
    suburbs: list[Counter[str]] = [Counter() for _ in range(count)]
    for suburb, x, y in addresses:
        distances = np.hypot(centres[:, 0] - x, centres[:, 1] - y)
        label = int(distances.argmin())
        if distances[label] <= reach[label] + PLACE_REACH_MARGIN_M:
            suburbs[label][suburb] += 1
    for label in sorted(range(count), key=lambda n: -sum(suburbs[n].values())):  # the best-addressed first
        if names[label] is None:
            common = [name for name, _ in sorted(suburbs[label].items(), key=lambda item: (-item[1], item[0]))]
            names[label] = next((name for name in common if name not in used), None)
            if names[label] is not None:
                used.add(str(names[label]))
    for label in range(count):
        if names[label] is None:
            streets = _longest_streets(members[label])
            chosen = next((name for name in streets if name not in used), None)
            names[label] = chosen or f"{streets[0]} {label + 1}"
            used.add(str(names[label]))
    return [str(name) for name in names]


def _compass_names(centres: np.ndarray, members: list[list[_Unit]], points: np.ndarray, language: str) -> list[str]:
    """The direction of each district from the middle of the city, in ``language`` (en, nl); the most
    central one is the centre ("Centre", "Centrum"). Two on the same side get their longest street added."""
    centre_name, directions = CENTRE_NAMES[language], COMPASS_NAMES[language]
    count = len(centres)
    if count == 1:
        return [centre_name]
    offsets = centres - points.mean(axis=0)
    central = int(np.hypot(offsets[:, 0], offsets[:, 1]).argmin())
    names: list[str] = []
    for label in range(count):
        angle = math.degrees(math.atan2(offsets[label, 1], offsets[label, 0])) % 360
        names.append(centre_name if label == central else directions[int(((angle + 22.5) % 360) // 45)])
    usage = Counter(names)
    return [
        f"{name} – {_longest_streets(members[label])[0]}" if usage[name] > 1 else name
        for label, name in enumerate(names)
    ]


def _mark_shopping_streets(units: list[_Unit], shops: list[tuple[float, float]]) -> None:
    """Streets lined with shops and cafés get litter like shopping streets: mark them so."""
    tree = shapely.STRtree([Point(xy) for xy in shops])
    for unit in units:
        nearby = len(tree.query(unit.line, predicate="dwithin", distance=SHOP_REACH_M))
        per_100m = nearby / max(unit.line.length, 50.0) * 100.0
        if nearby >= SHOPPING_MIN_POIS and per_100m >= SHOPPING_POIS_PER_100M:
            unit.kind = "shopping"


def _make_ids_unique(units: list[_Unit]) -> None:
    """Same name and district twice (two separate streets) must not share an external id."""
    seen: Counter[str] = Counter()
    for unit in units:
        seen[unit.external_id] += 1
        if seen[unit.external_id] > 1:
            unit.external_id = f"{unit.external_id}#{seen[unit.external_id]}"


def _to_imported(unit: _Unit, projection: LocalProjection) -> ImportedStreet:
    coordinates: list[LonLat] = []
    for x, y in unit.line.coords:
        lon, lat = projection.to_lonlat(x, y)
        point = (
            round(float(lon), COORDINATE_DECIMALS),
            round(float(lat), COORDINATE_DECIMALS),
        )
        if not coordinates or coordinates[-1] != point:
            coordinates.append(point)
    if len(coordinates) == 1:  # shorter than the rounding: keep it a valid LineString
        coordinates.append(coordinates[0])
    return ImportedStreet(
        external_id=unit.external_id,
        name=unit.name,
        district=unit.district or CENTRE_NAMES["nl"],
        kind=unit.kind,
        coordinates=tuple(coordinates),
        length_m=unit.length_m,
        oneway=unit.oneway,
        drivable=unit.drivable,
    )
