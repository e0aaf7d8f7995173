"""The notes the service writes in a report's history itself, each with a code and its params next
to its English text: the pages say them in the reader's language (the one catalogue's
``report.note.<code>``), API clients and Open311 keep reading the English ``note``. A note a person
wrote (a dispatcher's reason, the reporter's words) has no code and is shown as it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SYSTEM_NOTES: dict[str, str] = {
    "received": "report received",
    "duplicate": "same as report {report} nearby",
    "acknowledged": "the city has seen the report",
    "scheduled": "a crew is scheduled",
    "resolved": "the city cleaned it",
    "open_again": "the report is open again",
    "reopened_by_reporter": "the reporter says it is not clean",
    "withdrawn_by_reporter": "withdrawn by the reporter",
    "crew_cleaned": "a city crew cleaned the street",
}
"""code → the English text (``{name}`` filled from the params), as stored in ``note``."""

STAFF_DEFAULTS = {
    "acknowledged": "acknowledged",
    "scheduled": "scheduled",
    "resolved": "resolved",
    "open": "open_again",
}
"""The note of a status a dispatcher set without writing one."""


@dataclass(frozen=True)
class Note:
    text: str
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def system(code: str, **params: Any) -> Note:
    return Note(SYSTEM_NOTES[code].format(**params), code, params)


def written(text: str, otherwise: str | None) -> Note:
    """A person's own words, or the service's note `otherwise` (a code) when they wrote none."""
    return Note(text.strip()) if text.strip() or otherwise is None else system(otherwise)
