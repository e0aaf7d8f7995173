"""The street importer on the real OSM extracts, on GeoJSON, and on bad input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kernel.geo import StreetIndex, line_length_m
from services.scheduling.streets.importer import (
    OSM_ATTRIBUTION,
    ImportedStreet,
    load_streets,
    read_geojson,
    read_osm_pbf,
    to_geojson,
)

REPO_ROOT = Path(__file__).resolve().parents[4]
SHARED_DATA_CANDIDATES = (
    REPO_ROOT / ".." / "shared" / "data",
    Path("/work/shared/data"),
)
SHARED_DATA = next((path for path in SHARED_DATA_CANDIDATES if path.is_dir()), None)
HELSINKI = SHARED_DATA / "helsinki-centre.osm.pbf" if SHARED_DATA else None
AMSTERDAM = SHARED_DATA / "amsterdam-oost-sample.osm.pbf" if SHARED_DATA else None
DEMO_CITY = REPO_ROOT / "services" / "scheduling" / "streets" / "data" / "demo-city.geojson"

needs_shared_data = pytest.mark.skipif(
    SHARED_DATA is None,
    reason="OSM extracts not found in ../shared/data next to the repository (or /work/shared/data)",
)


@pytest.fixture(scope="module")
def helsinki() -> list[ImportedStreet]:
    assert HELSINKI is not None
    return read_osm_pbf(HELSINKI)


@pytest.fixture(scope="module")
def helsinki_sections() -> list[ImportedStreet]:
    assert HELSINKI is not None
    return read_osm_pbf(HELSINKI, split_at_crossings=True, max_section_m=80)


def feature(name: str, coordinates: list[list[float]], **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": name, **properties},
        "geometry": {"type": "LineString", "coordinates": coordinates},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


# --------------------------------------------------------------------------- real OSM extracts


@needs_shared_data
def test_helsinki_streets_are_named_grouped_and_valid(
    helsinki: list[ImportedStreet],
) -> None:
    names = Counter(street.name for street in helsinki)
    # ~780 named street ways of 79 names become about one street per name (per district).
    assert 60 <= len(helsinki) <= 120
    assert {"Mannerheimintie", "Aleksanterinkatu", "Bulevardi"} <= set(names)
    assert len({street.external_id for street in helsinki}) == len(helsinki)
    for street in helsinki:
        assert street.external_id.startswith("osm:way:")
        assert street.kind in {"residential", "main", "pedestrian", "shopping"}
        assert len(street.coordinates) >= 2
        assert street.length_m > 0
        for lon, lat in street.coordinates:
            assert 24.9 < lon < 25.0 and 60.1 < lat < 60.2


@needs_shared_data
def test_helsinki_lengths_match_the_haversine_sum_of_the_ways(
    helsinki: list[ImportedStreet], helsinki_sections: list[ImportedStreet]
) -> None:
    import osmium

    from services.scheduling.streets.importer import KIND_BY_HIGHWAY

    assert HELSINKI is not None
    way_total = 0.0
    for way in osmium.FileProcessor(str(HELSINKI)).with_locations():
        if isinstance(way, osmium.osm.Way) and way.tags.get("highway") in KIND_BY_HIGHWAY and way.tags.get("name"):
            points = [(node.location.lon, node.location.lat) for node in way.nodes if node.location.valid()]
            way_total += line_length_m(points)
    assert 20_000 < way_total < 35_000
    assert sum(s.length_m for s in helsinki) == pytest.approx(way_total, rel=1e-3)
    assert sum(s.length_m for s in helsinki_sections) == pytest.approx(way_total, rel=1e-3)
    for street in helsinki:
        # The stored line is one piece of the street; length_m counts all its ways.
        assert street.length_m >= line_length_m(street.coordinates) * 0.99
        assert street.length_m < 3_000


@needs_shared_data
def test_same_name_ways_become_one_street(helsinki: list[ImportedStreet]) -> None:
    # Aleksanterinkatu (about 1 km) is mapped as many ways: one per block and per lane.
    aleksanterinkatu = [s for s in helsinki if s.name == "Aleksanterinkatu"]
    assert len(aleksanterinkatu) == 1
    assert 900 < line_length_m(aleksanterinkatu[0].coordinates) < 1_200
    assert 1_000 < aleksanterinkatu[0].length_m < 2_500


@needs_shared_data
def test_computed_districts_are_deterministic_and_readable(
    helsinki_sections: list[ImportedStreet],
) -> None:
    assert HELSINKI is not None
    again = read_osm_pbf(HELSINKI, split_at_crossings=True, max_section_m=80)
    assert again == helsinki_sections
    districts = Counter(street.district for street in helsinki_sections)
    assert 4 <= len(districts) <= 8
    assert "Kluuvi" in districts  # named after the OSM suburb inside it
    assert min(districts.values()) >= 10


@needs_shared_data
def test_sections_are_named_after_their_crossings(
    helsinki_sections: list[ImportedStreet],
) -> None:
    bulevardi = [s for s in helsinki_sections if s.name.startswith("Bulevardi, ")]
    assert len(bulevardi) >= 4
    assert any(" – " in s.name for s in bulevardi)
    assert len({s.external_id for s in helsinki_sections}) == len(helsinki_sections)


@needs_shared_data
def test_amsterdam_sample_imports(tmp_path: Path) -> None:
    assert AMSTERDAM is not None
    streets = load_streets(AMSTERDAM)
    names = {street.name for street in streets}
    assert {"Kruislaan", "Gooiseweg"} <= names
    assert len(streets) == len({(s.name, s.external_id) for s in streets})
    # too few streets to divide, no OSM place in the sample: the one district is named after its longest street
    longest = max(streets, key=lambda s: s.length_m).name
    assert {street.district for street in streets} == {longest}
    index = StreetIndex((s.external_id, s.coordinates) for s in streets)
    kruislaan = next(s for s in streets if s.name == "Kruislaan")
    lon, lat = kruislaan.coordinates[len(kruislaan.coordinates) // 2]
    snapped = index.nearest(lat, lon)
    assert snapped is not None and snapped[1] < 1.0
    assert index.nearest(52.30, 4.80) is None  # Schiphol: far outside this city


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_round_trip_gives_the_same_streets(tmp_path: Path) -> None:
    streets = read_geojson(
        collection(
            feature("Kruislaan", [[4.9301, 52.3551], [4.9350, 52.3560]], district="Oost"),
            feature("Kruislaan", [[4.9350, 52.3560], [4.9401, 52.3570]], district="Oost"),
            feature(
                "Zwaardemakerstraat",
                [[4.9320, 52.3540], [4.9330, 52.3575]],
                kind="main",
            ),
        )
    )
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps(to_geojson(streets, attribution=OSM_ATTRIBUTION)))
    again = load_streets(path)
    assert again == streets
    assert json.loads(path.read_text())["attribution"] == OSM_ATTRIBUTION


def test_geojson_groups_touching_same_name_features_only() -> None:
    streets = read_geojson(
        collection(
            feature("Kruislaan", [[4.9301, 52.3551], [4.9350, 52.3560]], district="Oost"),
            feature("Kruislaan", [[4.9350, 52.3560], [4.9401, 52.3570]], district="Oost"),
            # Same name 2 km away: another street that happens to share the name.
            feature("Kruislaan", [[4.9600, 52.3700], [4.9650, 52.3710]], district="Oost"),
            feature(
                "Kruislaan",
                [[4.9401, 52.3570], [4.9450, 52.3580]],
                district="Watergraafsmeer",
            ),
        )
    )
    by_district = Counter((s.name, s.district) for s in streets)
    assert by_district == {
        ("Kruislaan", "Oost"): 2,
        ("Kruislaan", "Watergraafsmeer"): 1,
    }
    joined = max((s for s in streets if s.district == "Oost"), key=lambda s: s.length_m)
    assert len(joined.coordinates) == 3
    assert joined.length_m == pytest.approx(
        line_length_m([(4.9301, 52.3551), (4.9350, 52.3560), (4.9401, 52.3570)]),
        abs=0.1,
    )
    assert len({s.external_id for s in streets}) == 3


def test_geojson_without_districts_gets_computed_ones() -> None:
    features = [feature(f"Straat {i}", [[4.90 + i * 0.002, 52.35], [4.90 + i * 0.002, 52.352]]) for i in range(10)]
    streets = read_geojson(collection(*features))
    assert {s.district for s in streets} == {"Straat 0"}  # all equally long: the first by name
    assert read_geojson(collection(*features)) == streets
    assert {s.district for s in read_geojson(collection(*features), district_names="compass-en")} == {"Centre"}
    assert {s.district for s in read_geojson(collection(*features), district_names="compass-nl")} == {"Centrum"}
    with pytest.raises(ValueError, match="choose one of data, street, compass-en, compass-nl"):
        read_geojson(collection(*features), district_names="klingon")


def test_multilinestring_and_non_street_features() -> None:
    streets = read_geojson(
        collection(
            {
                "type": "Feature",
                "properties": {"name": "Dapperstraat", "district": "Oost"},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [
                        [[4.9270, 52.3630], [4.9280, 52.3620]],
                        [[4.9280, 52.3620], [4.9290, 52.3610]],
                    ],
                },
            },
            {
                "type": "Feature",
                "properties": {"name": "Bin"},
                "geometry": {"type": "Point", "coordinates": [4.9, 52.3]},
            },
            feature("", [[4.9, 52.3], [4.91, 52.3]]),
        )
    )
    assert [(s.name, len(s.coordinates)) for s in streets] == [("Dapperstraat", 3)]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("streets.csv", "name,lat,lon\n", "unknown street file format"),
        ("streets.geojson", "", "is empty"),
        ("streets.osm.pbf", "", "is empty"),
        ("streets.geojson", "   \n", "is empty"),
        (
            "streets.geojson",
            '{"type": "FeatureCollection", "features": [',
            "not valid JSON",
        ),
        ("streets.json", '{"type": "Feature"}', "expected a GeoJSON FeatureCollection"),
        (
            "streets.geojson",
            '{"type": "FeatureCollection", "features": []}',
            "no named LineString",
        ),
        (
            "streets.osm.pbf",
            "this is not a protobuf file",
            "could not be read as an OSM PBF",
        ),
        (
            "streets.geojson",
            json.dumps(collection(feature("Coolsingel", [[92000.0, 437000.0], [92100.0, 437100.0]]))),
            "EPSG:4326",
        ),
    ],
)
def test_bad_input_gives_a_clear_value_error(tmp_path: Path, filename: str, content: str, message: str) -> None:
    path = tmp_path / filename
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_streets(path)


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such street file"):
        load_streets(tmp_path / "nowhere.geojson")


# --------------------------------------------------------------------------- the shipped demo city


def test_demo_city_file_is_valid() -> None:
    assert DEMO_CITY.stat().st_size < 1_000_000
    data = json.loads(DEMO_CITY.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert "© OpenStreetMap contributors" in data["attribution"]
    features = data["features"]
    assert 300 <= len(features) <= 500
    for item in features:
        properties = item["properties"]
        assert item["geometry"]["type"] == "LineString"
        assert len(item["geometry"]["coordinates"]) >= 2
        assert properties["name"] and properties["district"]
        assert properties["length_m"] > 0
    assert len({item["properties"]["district"] for item in features}) >= 4
    streets = load_streets(DEMO_CITY)
    assert len(streets) == len(features)
    assert len({s.external_id for s in streets}) == len(streets)


def test_demo_city_snaps_reports_and_rejects_points_outside() -> None:
    streets = load_streets(DEMO_CITY)
    index = StreetIndex((s.external_id, s.coordinates) for s in streets)
    # Outside the Stockmann department store on Aleksanterinkatu.
    street_id, distance = index.nearest(60.16856, 24.94215) or ("", -1.0)
    assert next(s for s in streets if s.external_id == street_id).name.startswith(
        ("Aleksanterinkatu", "Mannerheimintie", "Keskuskatu")
    )
    assert 0 <= distance < 40
    assert index.nearest(60.20, 24.94) is None  # Pasila, 3 km north of the demo city
    nearby = index.within(60.16856, 24.94215, radius_m=100)
    assert len(nearby) >= 3
    assert [d for _, d in nearby] == sorted(d for _, d in nearby)


@needs_shared_data
def test_demo_city_is_what_the_script_makes(tmp_path: Path) -> None:
    from services.scheduling.streets.make_demo_city import main

    assert HELSINKI is not None
    output = tmp_path / "demo.geojson"
    assert main([str(HELSINKI), str(output)]) == 0
    assert output.read_bytes() == DEMO_CITY.read_bytes()


# --------------------------------------------------------------------------- admin boundaries


def write_two_district_extract(path: Path) -> None:
    """A tiny OSM file: two admin_level 10 districts side by side, a street crossing both."""
    import osmium

    nodes = {
        1: (4.90, 52.35), 2: (4.91, 52.35), 3: (4.91, 52.36), 4: (4.90, 52.36),
        5: (4.92, 52.35), 6: (4.92, 52.36),
        10: (4.902, 52.355), 11: (4.906, 52.355), 12: (4.914, 52.355), 13: (4.918, 52.355),
    }  # fmt: skip
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id, (lon, lat) in sorted(nodes.items()):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat)))
        writer.add_way(osmium.osm.mutable.Way(id=100, nodes=[1, 2, 3, 4, 1]))
        writer.add_way(osmium.osm.mutable.Way(id=101, nodes=[2, 5, 6, 3, 2]))
        street = {"highway": "residential", "name": "Linnaeusstraat"}
        writer.add_way(osmium.osm.mutable.Way(id=200, nodes=[10, 11], tags=street))
        writer.add_way(osmium.osm.mutable.Way(id=201, nodes=[11, 2], tags=street))
        writer.add_way(osmium.osm.mutable.Way(id=202, nodes=[2, 12, 13], tags=street))
        for relation_id, way_id, name in (
            (300, 100, "Oosterparkbuurt"),
            (301, 101, "Dapperbuurt"),
        ):
            tags = {
                "type": "boundary",
                "boundary": "administrative",
                "admin_level": "10",
                "name": name,
            }
            writer.add_relation(
                osmium.osm.mutable.Relation(id=relation_id, members=[("w", way_id, "outer")], tags=tags)
            )


def test_osm_admin_boundaries_name_districts_and_split_streets(tmp_path: Path) -> None:
    path = tmp_path / "two-districts.osm.pbf"
    write_two_district_extract(path)
    streets = load_streets(path)
    assert sorted((s.name, s.district, s.external_id) for s in streets) == [
        ("Linnaeusstraat", "Dapperbuurt", "osm:way:202"),
        ("Linnaeusstraat", "Oosterparkbuurt", "osm:way:200"),
    ]
    assert sum(s.length_m for s in streets) == pytest.approx(
        line_length_m(
            [
                (4.902, 52.355),
                (4.906, 52.355),
                (4.91, 52.35),
                (4.914, 52.355),
                (4.918, 52.355),
            ]
        ),
        abs=0.2,
    )


@needs_shared_data
def test_a_long_import_says_what_it_is_doing(monkeypatch: pytest.MonkeyPatch) -> None:
    """`streetcare import-streets` prints these lines: a city's extract takes minutes to read."""
    assert HELSINKI is not None
    from services.scheduling.streets import importer

    monkeypatch.setattr(importer, "OSM_OBJECTS_PER_PROGRESS_LINE", 5_000)
    said: list[str] = []
    streets = importer.load_streets(HELSINKI, progress=said.append)
    counted = [line for line in said if line.startswith("reading helsinki-centre.osm.pbf:")]
    assert len(counted) >= 2, said  # the extract has tens of thousands of objects
    assert "5,000 OSM objects" in counted[0]
    assert said[-1].startswith("read helsinki-centre.osm.pbf:") and "named street ways" in said[-1]
    assert streets  # and the import itself is what it was without anyone listening
    assert [s.external_id for s in streets] == [s.external_id for s in importer.read_osm_pbf(HELSINKI)]


# --------------------------------------------------------------------------- naming computed districts

HELSINKI_PLACES = {"Kaartinkaupunki", "Siltasaari", "Hakaniemi", "Kluuvi", "Keskusta", "Kaisaniemi"}
"""The extract's place=suburb/neighbourhood nodes (its admin boundaries are cut off at its edge)."""
DIRECTIONS = {
    "compass-en": {"Centre", "East", "Northeast", "North", "Northwest", "West", "Southwest", "South", "Southeast"},
    "compass-nl": {"Centrum", "Oost", "Noordoost", "Noord", "Noordwest", "West", "Zuidwest", "Zuid", "Zuidoost"},
}


def by_district(streets: list[ImportedStreet]) -> dict[str, list[ImportedStreet]]:
    grouped: dict[str, list[ImportedStreet]] = {}
    for street in streets:
        grouped.setdefault(street.district, []).append(street)
    return grouped


def longest_street(members: list[ImportedStreet]) -> str:
    """The street with the most metres among `members` (its sections added up)."""
    metres: dict[str, float] = {}
    for street in members:
        base = street.name.split(",")[0]
        metres[base] = metres.get(base, 0.0) + street.length_m
    return max(sorted(metres), key=lambda name: metres[name])


def partition(streets: list[ImportedStreet]) -> set[frozenset[str]]:
    return {frozenset(s.external_id for s in members) for members in by_district(streets).values()}


@needs_shared_data
def test_the_real_extract_names_its_districts_from_its_own_data(helsinki_sections: list[ImportedStreet]) -> None:
    """Central Helsinki gets Helsinki's names: its places first, each once, and for a district no
    place lies in, its longest street; never a Dutch compass direction."""
    districts = by_district(helsinki_sections)
    assert len(districts) == 6
    named_by_place = set(districts) & HELSINKI_PLACES
    assert named_by_place >= {"Kluuvi", "Kaartinkaupunki", "Keskusta", "Siltasaari"}
    for name in set(districts) - named_by_place:
        assert name == longest_street(districts[name])
    assert not set(districts) & (DIRECTIONS["compass-nl"] | DIRECTIONS["compass-en"])


@needs_shared_data
@pytest.mark.parametrize("naming", ["street", "compass-en", "compass-nl"])
def test_the_import_names_districts_the_way_asked(naming: str, helsinki_sections: list[ImportedStreet]) -> None:
    """The same districts (the same streets together), named another way."""
    assert HELSINKI is not None
    streets = read_osm_pbf(HELSINKI, split_at_crossings=True, max_section_m=80, district_names=naming)
    assert partition(streets) == partition(helsinki_sections)
    districts = by_district(streets)
    if naming == "street":
        for name, members in districts.items():
            assert name == longest_street(members)
    else:
        directions = {name.split(" – ")[0] for name in districts}
        assert directions <= DIRECTIONS[naming] and len(districts) == 6


def write_addressed_extract(path: Path, suburbs: tuple[str, str]) -> None:
    """Two groups of 60 short streets 3 km apart, each with buildings whose addresses name a suburb
    (the most common one per group, and a stray), and no place nodes."""
    import osmium

    with osmium.SimpleWriter(str(path)) as writer:
        node_id, way_id = 1, 1
        for group, (suburb, west) in enumerate(zip(suburbs, (4.90, 4.95), strict=True)):
            for n in range(60):
                lon, lat = west + (n % 10) * 0.001, 52.35 + (n // 10) * 0.001
                writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat)))
                writer.add_node(osmium.osm.mutable.Node(id=node_id + 1, location=(lon + 0.0006, lat)))
                tags = {"highway": "residential", "name": f"Straat {group}-{n}"}
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=[node_id, node_id + 1], tags=tags))
                node_id, way_id = node_id + 2, way_id + 1
            for n, named in enumerate([suburb] * 5 + ["Elders"] * 2):
                corners = [(west + 0.002 + n * 0.0005, 52.3525), (west + 0.0023 + n * 0.0005, 52.3527)]
                ids = []
                for lon, lat in corners:
                    writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat)))
                    ids.append(node_id)
                    node_id += 1
                tags = {"building": "yes", "addr:street": "x", "addr:suburb": named}
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=[*ids, ids[0]], tags=tags))
                way_id += 1


def test_without_places_the_addresses_suburbs_name_the_districts(tmp_path: Path) -> None:
    path = tmp_path / "addressed.osm.pbf"
    write_addressed_extract(path, ("Watergraafsmeer", "Betondorp"))
    said: list[str] = []
    streets = load_streets(path, progress=said.append)
    districts = by_district(streets)
    assert {name: {s.name.split("-")[0] for s in members} for name, members in districts.items()} == {
        "Watergraafsmeer": {"Straat 0"},
        "Betondorp": {"Straat 1"},
    }
    assert "14 addresses naming a suburb" in said[-1]
    # the same districts by their longest street when asked
    assert set(by_district(load_streets(path, district_names="street"))) <= {s.name for s in streets}
