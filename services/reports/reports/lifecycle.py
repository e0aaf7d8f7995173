"""The report lifecycle as plain data: which status may follow which, and who may cause it."""

from __future__ import annotations

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "scheduled", "resolved", "duplicate", "rejected"}),
    "acknowledged": frozenset({"scheduled", "resolved", "duplicate", "rejected"}),
    "scheduled": frozenset({"resolved", "acknowledged", "rejected"}),
    "resolved": frozenset({"reopened"}),
    "reopened": frozenset({"acknowledged", "scheduled", "resolved", "duplicate", "rejected"}),
    "duplicate": frozenset({"open"}),
    "rejected": frozenset({"open"}),
}
OPEN_STATUSES = frozenset({"open", "acknowledged", "scheduled", "reopened"})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
