"""Volunteer coverage: will residents clean this street on that day, so crews need not?

Rules (DESIGN.md, "The effort model"):

* an active adoption whose pledged rhythm is being kept covers its street with
  the adopters' reliability (``KEPT_RHYTHM_PROBABILITY``);
* once the adopters are overdue (no pick for longer than rhythm + grace) the
  probability falls linearly, reaching 0 at twice the rhythm: a street whose
  adopters have not picked for more than 2× their rhythm is *not* covered, so it
  comes back onto crew plans within days without anyone touching it;
* a paused or lapsed adoption never covers;
* a planned group clean-up covers its streets on its date.

Several adoptions of one street combine as independent chances:
``p = 1 − Π(1 − p_i)``; a clean-up on the day raises it to at least
``CLEANUP_PROBABILITY``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import Enum

__all__ = [
    "Adoption",
    "AdoptionStatus",
    "Coverage",
    "PlannedCleanup",
    "Rhythm",
    "adoption_coverage",
    "street_coverage",
]

KEPT_RHYTHM_PROBABILITY = 0.9
CLEANUP_PROBABILITY = 0.95
GRACE_FRACTION = 0.25
"""Adopters are 'on rhythm' until rhythm × (1 + grace) has passed without a pick."""
LAPSE_MULTIPLE = 2.0


class Rhythm(Enum):
    """The pick rhythm an adopter pledged, with its length in days."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"

    @property
    def days(self) -> int:
        return {"weekly": 7, "fortnightly": 14, "monthly": 30}[self.value]


class AdoptionStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    LAPSED = "lapsed"


@dataclass(frozen=True)
class Adoption:
    """A volunteer's or team's pledge to pick a street on a rhythm."""

    street_id: str
    rhythm: Rhythm
    status: AdoptionStatus
    started_at: datetime
    last_pick_at: datetime | None = None
    adopter_name: str = ""


@dataclass(frozen=True)
class PlannedCleanup:
    """A group clean-up planned on some streets for a date."""

    street_ids: frozenset[str]
    on: date
    name: str = ""


@dataclass(frozen=True)
class Coverage:
    """Whether volunteers are expected to cover a street on a day, and the facts why."""

    probability: float
    covered: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def _end_of_day(day: date, tzinfo: object) -> datetime:
    tz = tzinfo if tzinfo is not None else UTC
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)  # type: ignore[arg-type]


def _days_between(earlier: datetime, later: datetime) -> float:
    if (earlier.tzinfo is None) != (later.tzinfo is None):
        earlier = earlier.replace(tzinfo=later.tzinfo)
    return (later - earlier).total_seconds() / 86_400.0


def days_without_pick(adoption: Adoption, at: datetime) -> float:
    """Days since the last pick, counted from the adoption's start if none was logged."""
    reference = adoption.last_pick_at or adoption.started_at
    return max(0.0, _days_between(reference, at))


def adoption_coverage(adoption: Adoption, day: date) -> float:
    """Probability that this adoption covers its street on ``day`` (see module rules)."""
    if adoption.status is not AdoptionStatus.ACTIVE:
        return 0.0
    at = _end_of_day(day, adoption.started_at.tzinfo)
    idle = days_without_pick(adoption, at)
    rhythm = adoption.rhythm.days
    on_rhythm_until = rhythm * (1.0 + GRACE_FRACTION)
    lapse_at = rhythm * LAPSE_MULTIPLE
    if idle <= on_rhythm_until:
        return KEPT_RHYTHM_PROBABILITY
    if idle >= lapse_at:
        return 0.0
    remaining = (lapse_at - idle) / (lapse_at - on_rhythm_until)
    return KEPT_RHYTHM_PROBABILITY * remaining


def _describe(adoption: Adoption, day: date, probability: float) -> str:
    if adoption.status is AdoptionStatus.PAUSED:
        return "adopters paused"
    if adoption.status is AdoptionStatus.LAPSED:
        return "adoption lapsed"
    at = _end_of_day(day, adoption.started_at.tzinfo)
    idle = days_without_pick(adoption, at)
    if probability <= 0.0:
        return f"adopters stopped: no pick for {idle:.0f} days on a {adoption.rhythm.value} pledge"
    if probability < KEPT_RHYTHM_PROBABILITY:
        return f"adopters overdue: no pick for {idle:.0f} days on a {adoption.rhythm.value} pledge"
    return f"adopted, picked {adoption.rhythm.value}"


def street_coverage(
    street_id: str,
    day: date,
    adoptions: Iterable[Adoption],
    cleanups: Sequence[PlannedCleanup] = (),
) -> Coverage:
    """Combine a street's adoptions and the day's planned clean-ups into one coverage."""
    chance_uncovered = 1.0
    notes: list[str] = []
    for adoption in adoptions:
        if adoption.street_id != street_id:
            continue
        probability = adoption_coverage(adoption, day)
        chance_uncovered *= 1.0 - probability
        notes.append(_describe(adoption, day, probability))
    probability = 1.0 - chance_uncovered
    for cleanup in cleanups:
        if cleanup.on == day and street_id in cleanup.street_ids:
            probability = max(probability, CLEANUP_PROBABILITY)
            label = f" '{cleanup.name}'" if cleanup.name else ""
            notes.append(f"group clean-up{label} planned that day")
    return Coverage(probability=probability, covered=probability >= 0.5, notes=tuple(notes))
