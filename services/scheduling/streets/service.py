"""Street registry logic: import (idempotent upsert by external id) and the demo city."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from kernel.geo import line_centroid
from services.scheduling.streets import events, repository
from services.scheduling.streets.importer import ImportedStreet, Progress, load_streets
from services.scheduling.streets.models import Street
from services.scheduling.streets.naming import DEFAULT_DISTRICT_NAMING

DEMO_CITY_PATH = Path(__file__).parent / "data" / "demo-city.geojson"
STREETS_PER_PROGRESS_LINE = 2_000


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _apply(street: Street, imported: ImportedStreet) -> bool:
    coordinates = [[round(lon, 7), round(lat, 7)] for lon, lat in imported.coordinates]
    lat, lon = line_centroid(imported.coordinates)
    new_values = {
        "name": imported.name,
        "district": imported.district,
        "kind": imported.kind,
        "length_m": round(imported.length_m, 2),
        "coordinates": coordinates,
        "centroid_lat": round(lat, 7),
        "centroid_lon": round(lon, 7),
        "oneway": imported.oneway,
        "drivable": imported.drivable,
    }
    changed = False
    for attribute, value in new_values.items():
        if getattr(street, attribute, None) != value:
            setattr(street, attribute, value)
            changed = True
    return changed


def register_streets(
    session: Session, imported: Iterable[ImportedStreet], progress: Progress | None = None
) -> ImportResult:
    """Upsert by external id, so re-importing the same file changes nothing and emits nothing;
    `progress` hears every STREETS_PER_PROGRESS_LINE streets how far it is."""
    streets = list(imported)
    existing = repository.by_external_ids(session, [s.external_id for s in streets])
    created = updated = unchanged = 0
    for done, item in enumerate(streets):
        if progress is not None and done and done % STREETS_PER_PROGRESS_LINE == 0:
            progress(f"registered {done:,} of {len(streets):,} streets ({created:,} new, {updated:,} updated)")
        street = existing.get(item.external_id)
        is_new = street is None
        if street is None:
            street = Street(external_id=item.external_id)
            session.add(street)
        if not _apply(street, item):
            unchanged += 1
            continue
        session.flush()
        events.publish_street(session, street, is_new=is_new)
        if is_new:
            created += 1
        else:
            updated += 1
    return ImportResult(created, updated, unchanged)


def import_file(
    session: Session, path: Path, progress: Progress | None = None, district_names: str = DEFAULT_DISTRICT_NAMING
) -> ImportResult:
    """Read, join and register a street file; `progress` hears what a long import is doing;
    `district_names` says how computed districts are named (importer.DISTRICT_NAMINGS)."""
    if progress is None:
        return register_streets(session, load_streets(path, district_names=district_names))
    streets = load_streets(path, progress=progress, district_names=district_names)
    districts = len({s.district for s in streets})
    progress(f"{len(streets):,} streets in {districts:,} district{'' if districts == 1 else 's'}; registering them")
    return register_streets(session, streets, progress)


def load_demo_city_if_empty(session: Session) -> ImportResult | None:
    if repository.count(session) > 0:
        return None
    return import_file(session, DEMO_CITY_PATH)
