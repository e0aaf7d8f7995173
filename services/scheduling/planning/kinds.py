"""Kinds of street: the one definition the importer, the estimator, the effort baseline and the
simulator's knowledge share (before, four lists disagreed: "pedestrian" had no build-up rate).

Each kind carries what the city knows of it on average: how fast litter builds up (litter units a
day, mean and spread: the estimator's prior and the rota's interval) and how much a day without any
report says about it (busy streets are watched by many: silence there means more).

Pure: no database, no HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_KIND", "IMPORTED_KINDS", "KINDS", "StreetKind", "kind_of"]


@dataclass(frozen=True)
class StreetKind:
    name: str
    build_up_per_day: float
    build_up_spread: float
    quiet_strength: float
    """Weight of a day without reports as evidence the street stayed clean (0…1)."""


KINDS: dict[str, StreetKind] = {
    kind.name: kind
    for kind in (
        StreetKind("residential", 0.25, 0.12, 0.5),
        StreetKind("shopping", 0.50, 0.25, 1.0),
        # pedestrian zones: as watched as shopping streets, build-up between shopping and main
        # (an assumption like the others: no measurement for this city yet)
        StreetKind("pedestrian", 0.40, 0.20, 1.0),
        StreetKind("main", 0.35, 0.15, 0.7),
        StreetKind("park", 0.30, 0.15, 0.7),
        StreetKind("industrial", 0.15, 0.08, 0.5),
        StreetKind("default", 0.30, 0.15, 0.7),
    )
}
DEFAULT_KIND = "residential"
"""What the importer calls a street whose kind it cannot tell."""
IMPORTED_KINDS = ("residential", "main", "pedestrian", "shopping")
"""The kinds the OSM importer assigns."""


def kind_of(name: str) -> StreetKind:
    """The kind by name; an unknown kind is treated as the city's default."""
    return KINDS.get(name, KINDS["default"])
