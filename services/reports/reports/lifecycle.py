"""The report lifecycle as plain data: which status may follow which, and who may cause it."""

from __future__ import annotations

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "scheduled", "resolved", "duplicate", "rejected", "withdrawn"}),
    "acknowledged": frozenset({"scheduled", "resolved", "duplicate", "rejected", "withdrawn"}),
    "scheduled": frozenset({"resolved", "acknowledged", "rejected", "withdrawn"}),
    "resolved": frozenset({"reopened"}),
    "reopened": frozenset({"acknowledged", "scheduled", "resolved", "duplicate", "rejected", "withdrawn"}),
    "duplicate": frozenset({"open"}),
    "rejected": frozenset({"open"}),
    "withdrawn": frozenset(),
}
OPEN_STATUSES = frozenset({"open", "acknowledged", "scheduled", "reopened"})
# Leaving the open set without the street being cleaned: scheduling should forget the report.
WITHDRAWING_STATUSES = frozenset({"rejected", "withdrawn", "duplicate"})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
