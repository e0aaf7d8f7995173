"""The street network the planner travels along, built from the registry once per import.

Building the graph takes a moment at city size, and the registry changes only on an import, so the
network is kept in the process and built again only when the registry's fingerprint (how many
streets, the latest change) differs from the one it was built from.
"""

from __future__ import annotations

import threading

import structlog
from sqlalchemy.orm import Session

from services.scheduling.planning.network import RoadNetwork, StreetLine
from services.scheduling.streets import repository as streets

log = structlog.get_logger(__name__)

_lock = threading.Lock()
_cached: tuple[tuple[int, str], RoadNetwork | None] | None = None


def street_lines(session: Session) -> list[StreetLine]:
    """Every street with its line, as the planning engine's network takes them (ids as strings)."""
    return [
        StreetLine(str(street_id), [(float(p[0]), float(p[1])) for p in coordinates], oneway, drivable)
        for street_id, coordinates, oneway, drivable in streets.network_lines(session)
    ]


def street_network(session: Session) -> RoadNetwork | None:
    """The network of the registry as it is now (``None`` when no street has a line)."""
    global _cached
    fingerprint = streets.network_fingerprint(session)
    with _lock:
        if _cached is not None and _cached[0] == fingerprint:
            return _cached[1]
        lines = [line for line in street_lines(session) if len(line.coordinates) >= 2]
        network = RoadNetwork.build(lines) if lines else None
        _cached = (fingerprint, network)
    if network is not None:
        log.info(
            "roads.network_built",
            streets=network.streets,
            nodes=network.nodes,
            seconds=round(network.build_seconds, 3),
        )
    return network


def forget() -> None:
    """Drop the kept network (tests that swap databases)."""
    global _cached
    with _lock:
        _cached = None
