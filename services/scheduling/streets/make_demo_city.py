"""Make the demo city the product ships from an OpenStreetMap extract.

    python -m services.scheduling.streets.make_demo_city SRC.osm.pbf OUT.geojson

Streets are cut into sections between crossings so a small city centre still gives a few hundred
registry streets; the output credits OpenStreetMap as the ODbL requires.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from services.scheduling.streets.importer import (
    OSM_ATTRIBUTION,
    read_osm_pbf,
    to_geojson,
)

# Sections of at most 80 m: about a city block in central Helsinki, and a stretch a crew or a
# volunteer cleans in one go. It turns the extract's 78 named streets into some 340 units.
DEMO_MAX_SECTION_M = 80.0
LICENSE = "ODbL-1.0 (Open Database License), https://opendatacommons.org/licenses/odbl/"


def make_demo_city(source: Path, output: Path) -> dict[str, float]:
    """Import ``source`` with street sections and write the FeatureCollection to ``output``."""
    streets = read_osm_pbf(source, split_at_crossings=True, max_section_m=DEMO_MAX_SECTION_M)
    collection = to_geojson(streets, attribution=OSM_ATTRIBUTION)
    collection = {
        "type": "FeatureCollection",
        "name": "Streetcare demo city",
        "attribution": OSM_ATTRIBUTION,
        "license": LICENSE,
        "source": f"OpenStreetMap extract {source.name}",
        "features": collection["features"],
    }
    # One feature per line: small, and a regenerated file diffs readably.
    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in collection["features"]]
    header = {key: value for key, value in collection.items() if key != "features"}
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))[:-1]
    output.write_text(head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    districts = Counter(street.district for street in streets)
    return {
        "streets": len(streets),
        "districts": len(districts),
        "total_km": round(sum(street.length_m for street in streets) / 1000, 2),
        "bytes": output.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="OpenStreetMap extract (.osm.pbf)")
    parser.add_argument("output", type=Path, help="GeoJSON file to write")
    arguments = parser.parse_args(argv)
    try:
        figures = make_demo_city(arguments.source, arguments.output)
    except (ValueError, FileNotFoundError) as error:
        print(f"make_demo_city: {error}", file=sys.stderr)
        return 1
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
