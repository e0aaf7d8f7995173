"""CROW cleanliness levels and the numeric litter scale the estimator works on.

The estimator needs a continuous quantity it can add build-up to and put a
variance on; inspectors and dispatchers speak in CROW levels.  The mapping is
one litter unit per CROW step, so each level is a band one unit wide:

    level   litter index L       band midpoint
    A+      0 <= L < 1           0.5
    A       1 <= L < 2           1.5
    B       2 <= L < 3           2.5
    C       3 <= L < 4           3.5
    D       4 <= L               4.5 (inspections of D are read as [4, 5.5])

One unit is calibrated as roughly one full 60-litre bag of loose litter per
400 m of street (see ``estimator.LITTER_UNITS_PER_BAG_PER_M``).  A street
"meets" a target level while L stays below that level's upper bound, e.g. the
default target B holds while L < 3.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "DEFAULT_TARGET",
    "Level",
    "level_from_litter",
    "litter_interval",
    "litter_lower_bound",
    "litter_midpoint",
    "litter_upper_bound",
]

D_INSPECTION_CEILING = 5.5
"""Upper end assumed for an inspected D: D is open-ended, but a measurement needs a band."""


class Level(Enum):
    """CROW cleanliness level, ordered from very clean (A+) to very dirty (D)."""

    A_PLUS = "A+"
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def rank(self) -> int:
        """0 for A+ … 4 for D: the lower bound of the level's litter band."""
        return _ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> Level:
        """Accept 'A+', 'a+', 'A_PLUS', 'B' … as inspectors and APIs write them."""
        cleaned = text.strip().upper()
        for level in cls:
            if cleaned in (level.value, level.name):
                return level
        raise ValueError(f"not a CROW level: {text!r}")

    def is_worse_than(self, other: Level) -> bool:
        """True when this level is dirtier than ``other``."""
        return self.rank > other.rank

    def __str__(self) -> str:
        return self.value


_ORDER: tuple[Level, ...] = (Level.A_PLUS, Level.A, Level.B, Level.C, Level.D)

DEFAULT_TARGET = Level.B
"""The city's basis level: the average it works from."""


def level_from_litter(litter: float) -> Level:
    """The CROW level whose litter band contains ``litter`` (negative counts as clean)."""
    if litter < 0:
        return Level.A_PLUS
    index = min(int(litter), len(_ORDER) - 1)
    return _ORDER[index]


def litter_lower_bound(level: Level) -> float:
    """Smallest litter index that still reads as ``level``."""
    return float(level.rank)


def litter_upper_bound(level: Level) -> float:
    """Litter index at which ``level`` is lost (D has none: returns infinity)."""
    if level is Level.D:
        return float("inf")
    return float(level.rank + 1)


def litter_interval(level: Level) -> tuple[float, float]:
    """Closed band an inspection of ``level`` tells us L lies in (D capped for measurement)."""
    upper = D_INSPECTION_CEILING if level is Level.D else litter_upper_bound(level)
    return litter_lower_bound(level), upper


def litter_midpoint(level: Level) -> float:
    """Centre of the level's band: the value a report of that level is read as."""
    low, high = litter_interval(level)
    return (low + high) / 2.0
