"""Volunteer coverage: the chance residents pick a street in time, so crews need not.

For each adoption, the probability that its adopters pick the street between the start of the
planned day and the time the policy evaluates the street (``until``: the end of the day plus the
look-ahead), learnt from their logged picks:

* the adopters' pick interval is modelled as Normal(μ, σ); μ and σ are learnt from the intervals
  between their logged picks, with the pledged rhythm as the prior (worth ``PRIOR_INTERVALS``
  intervals: μ₀ = the rhythm, σ₀ = ``PRIOR_SPREAD`` × the rhythm);
* adopters may stop silently: before each pick they are still active with ``1 − STOP_PER_INTERVAL``;
  given ``idle`` days without a pick, the chance they are still active is
  ``(1 − q)·S(idle) / ((1 − q)·S(idle) + q)`` with ``S`` the survival of the interval; so once a
  rhythm is missed (idle past μ + σ) the coverage falls within a day, and far past it reaches 0;
* an active adopter picks in the window with ``(F(idle + window) − F(idle)) / S(idle)``;
* **no credit before a new adoption's first logged pick** (a pledge alone covers nothing);
* a paused or lapsed adoption covers nothing;
* a planned group clean-up covers its streets on its date (``CLEANUP_PROBABILITY``).

Several adoptions of one street combine as independent chances: ``p = 1 − Π(1 − p_i)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum

__all__ = [
    "Adoption",
    "AdoptionStatus",
    "Coverage",
    "PickRhythm",
    "PlannedCleanup",
    "Rhythm",
    "adoption_coverage",
    "days_without_pick",
    "learnt_rhythm",
    "street_coverage",
]

CLEANUP_PROBABILITY = 0.95
PRIOR_INTERVALS = 2.0
"""The pledged rhythm counts as this many observed pick intervals."""
PRIOR_SPREAD = 0.25
"""Prior spread of the pick interval, as a fraction of the rhythm."""
STOP_PER_INTERVAL = 0.1
"""Chance that adopters stop (silently or not) before their next pick."""
MIN_SPREAD_DAYS = 0.5
HISTORY_PICKS = 12
"""Only the latest picks teach the rhythm: adopters change their habits."""


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
    pick_times: tuple[datetime, ...] = ()
    """Logged picks on the street since the adoption started (any order); the rhythm is learnt
    from them. ``last_pick_at`` counts as a logged pick too."""


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


def _start_of_day(day: date, tzinfo: object) -> datetime:
    tz = tzinfo if tzinfo is not None else UTC
    return datetime.combine(day, time(0, 0), tzinfo=tz)  # type: ignore[arg-type]


def _days_between(earlier: datetime, later: datetime) -> float:
    if (earlier.tzinfo is None) != (later.tzinfo is None):
        earlier = earlier.replace(tzinfo=later.tzinfo)
    return (later - earlier).total_seconds() / 86_400.0


def _picks(adoption: Adoption) -> list[datetime]:
    """The adoption's logged picks, oldest first (``last_pick_at`` included)."""
    times = {t for t in adoption.pick_times if _days_between(adoption.started_at, t) >= -1.0}
    if adoption.last_pick_at is not None:
        times.add(adoption.last_pick_at)
    return sorted(times, key=lambda t: t.timestamp())[-HISTORY_PICKS:]


def days_without_pick(adoption: Adoption, at: datetime) -> float:
    """Days since the last pick, counted from the adoption's start if none was logged."""
    picks = _picks(adoption)
    reference = picks[-1] if picks else adoption.started_at
    return max(0.0, _days_between(reference, at))


@dataclass(frozen=True)
class PickRhythm:
    """The adopters' pick interval as learnt: mean and spread in days, from how many intervals."""

    mean_days: float
    spread_days: float
    intervals: int


def learnt_rhythm(adoption: Adoption) -> PickRhythm:
    """Mean and spread of the pick interval: the pledge as prior, the logged intervals as data."""
    picks = _picks(adoption)
    intervals = [_days_between(a, b) for a, b in itertools.pairwise(picks)]
    intervals = [x for x in intervals if x > 0.25]  # two logs of one outing are one pick
    prior_mean = float(adoption.rhythm.days)
    prior_var = (PRIOR_SPREAD * prior_mean) ** 2
    weight = PRIOR_INTERVALS + len(intervals)
    mean = (PRIOR_INTERVALS * prior_mean + sum(intervals)) / weight
    var = (PRIOR_INTERVALS * (prior_var + (prior_mean - mean) ** 2) + sum((x - mean) ** 2 for x in intervals)) / weight
    return PickRhythm(mean, max(MIN_SPREAD_DAYS, math.sqrt(var)), len(intervals))


def _normal_cdf(x: float, mean: float, sd: float) -> float:
    return 0.5 * (1.0 + math.erf((x - mean) / (sd * math.sqrt(2.0))))


def adoption_coverage(adoption: Adoption, day: date, until: datetime | None = None) -> float:
    """Probability that this adoption's adopters pick the street between the start of ``day`` and
    ``until`` (default: the end of ``day``) — see the module rules."""
    if adoption.status is not AdoptionStatus.ACTIVE:
        return 0.0
    picks = _picks(adoption)
    if not picks:
        return 0.0  # no credit before the first logged pick
    tz = until.tzinfo if until is not None else adoption.started_at.tzinfo
    start = _start_of_day(day, tz)
    until = until or start + timedelta(days=1)
    idle = max(0.0, _days_between(picks[-1], start))
    window = max(0.0, _days_between(start, until))
    rhythm = learnt_rhythm(adoption)
    survival = 1.0 - _normal_cdf(idle, rhythm.mean_days, rhythm.spread_days)
    still_active = (1.0 - STOP_PER_INTERVAL) * survival
    still_active = still_active / (still_active + STOP_PER_INTERVAL) if still_active > 0 else 0.0
    if survival <= 1e-12:
        return 0.0
    picks_in_window = (_normal_cdf(idle + window, rhythm.mean_days, rhythm.spread_days) - (1.0 - survival)) / survival
    return max(0.0, min(1.0, still_active * picks_in_window))


def _describe(adoption: Adoption, day: date, probability: float) -> str:
    if adoption.status is AdoptionStatus.PAUSED:
        return "adopters paused"
    if adoption.status is AdoptionStatus.LAPSED:
        return "adoption lapsed"
    start = _start_of_day(day, adoption.started_at.tzinfo)
    idle = days_without_pick(adoption, start)
    if not _picks(adoption):
        return f"adopted {idle:.0f} days ago, no pick logged yet"
    rhythm = learnt_rhythm(adoption)
    if idle > rhythm.mean_days + rhythm.spread_days:
        return f"no pick logged for {idle:.0f} days on a {adoption.rhythm.value} adoption"
    return f"adopted, picked about every {rhythm.mean_days:.0f} days (chance of a pick in time {probability:.0%})"


def street_coverage(
    street_id: str,
    day: date,
    adoptions: Iterable[Adoption],
    cleanups: Sequence[PlannedCleanup] = (),
    until: datetime | None = None,
) -> Coverage:
    """Combine a street's adoptions and the day's planned clean-ups into one coverage: the chance
    the street is picked between the start of ``day`` and ``until`` (default: the day's end)."""
    chance_uncovered = 1.0
    notes: list[str] = []
    for adoption in adoptions:
        if adoption.street_id != street_id:
            continue
        probability = adoption_coverage(adoption, day, until)
        chance_uncovered *= 1.0 - probability
        notes.append(_describe(adoption, day, probability))
    probability = 1.0 - chance_uncovered
    for cleanup in cleanups:
        if cleanup.on == day and street_id in cleanup.street_ids:
            probability = max(probability, CLEANUP_PROBABILITY)
            label = f" '{cleanup.name}'" if cleanup.name else ""
            notes.append(f"group clean-up{label} planned that day")
    return Coverage(probability=probability, covered=probability >= 0.5, notes=tuple(notes))
