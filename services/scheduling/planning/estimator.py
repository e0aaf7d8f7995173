r"""Per-street litter state estimate with its uncertainty.

Why a filter and not a counter: the planner must rank streets by how dirty they
probably are *today* from sparse, noisy evidence (a report, a pick, an
inspection weeks ago), and it must know how sure it is.  So each street carries
a small Gaussian belief that is moved forward in time and corrected by each
observation.

State and dynamics
------------------
The hidden state is ``x = [L, r]``: the litter index ``L`` (0 = clean, one
unit per CROW step, see :mod:`levels`) and its build-up rate ``r`` in units
per day.  The belief is Gaussian, ``x ~ N(m, P)`` with

    m = [mean_litter, rate_mean],  P = [[var_litter, cov], [cov, rate_var]].

Between observations (``predict``), over ``Δ`` calendar days, a linear Kalman step in which
the rate is integrated with the weekday factors ``f`` (Monday … Sunday, mean 1, learnt per kind
of street, see the end of this module): ``D = Σ_d f_d · (days of weekday d in the interval)``,

    L' = L + r·D + w_L,   r' = r + w_r,    w_L ~ N(0, q_L·Δ),  w_r ~ N(0, q_r·Δ)
    m' = F m,   P' = F P Fᵀ + Q,   F = [[1, D], [0, 1]],  Q = diag(q_L·Δ, q_r·Δ)

so ``var_litter' = var_litter + 2D·cov + D²·rate_var + q_L·Δ``. ``q_L`` is calibrated on the
simulator's truth: a day-ahead prediction's 1σ / 2σ bands hold 62–76 % / 92–95 % of true outcomes
on seeds 1–3 (``python -m streetcare.sim.calibration``, ``tests/test_estimator_calibration.py``;
with the former 0.05 they held ~80 % / ~97 %: too wide). The errors are heavier-tailed than a
Gaussian (dumped waste, weather), so both bands cannot sit at 68 / 95 at once.  ``cov`` starts
at 0 and no step below makes it negative, so the litter variance grows with
time.  Means are clamped to ``L ≥ 0`` (litter cannot be negative) and
``r ≥ RATE_FLOOR``.  The prior ``prior(kind, length_m)`` is the city's average
for that kind of street: ``L ~ N(2.0, 1.0)`` (around the A/B border) and a rate
whose mean and variance are those of the kind's (log-normal-ish, right-skewed)
spread of build-up rates, moment-matched into the Gaussian.

Observations
------------
*Inspection* (accurate): the inspected CROW level means ``L ∈ [a, b]``; read as
a measurement ``z = (a + b)/2`` with ``R = (b − a)²/12 + 0.05`` and the
standard Kalman update with ``H = [1, 0]``:

    S = H P Hᵀ + R,   K = P Hᵀ / S,   m ← m + K (z − H m),   P ← P − K S Kᵀ.

*Resident report* (noisy, one-sided): a resident reports when the litter they
see exceeds their own threshold, ``P(report | L) = Φ((L − θ_s)/σ_rep)``, with
the threshold ``θ_s`` rising with severity ``s`` (heavier reports say "dirtier").
The posterior is projected back onto a Gaussian by moment matching (assumed
density filtering, as for a probit likelihood):

    z = (H m − θ_s) / √(σ_rep² + H P Hᵀ),   v = φ(z)/Φ(z),   w = v (v + z)
    m ← m + P Hᵀ · v / √(σ_rep² + H P Hᵀ)
    P ← P − P Hᵀ H P · w / (σ_rep² + H P Hᵀ)

``v > 0`` so every report raises the mean (estimates are monotone in reports)
and ``0 < w < 1`` so the variance shrinks but stays positive.  A duplicate
report (the caller says so) only moves the clock: it is not counted twice.

*Time without reports* (weak): ``observe_quiet`` applies the same update with
the opposite sign and a large floor,
``P(no report in Δ days | L) = ε_Δ + (1 − ε_Δ)·Φ((θ_q − L)/σ_q)`` with
``ε_Δ = 0.5^(min(Δ, 7)/7)``: silence can say at most "twice as likely clean"
per week, whether it is applied daily or weekly, and it moves ``L`` only (it
must not teach every unreported street a zero build-up rate).  Mean and
variance of ``L`` saturate at ``LITTER_CEILING`` and ``LITTER_VAR_CEILING``.

The report likelihood has a small floor too (``ε = 0.05``: a report may be
about something else), with the general moment-matching step for
``Z = ε + (1 − ε)Φ(z)``, ``ρ = (1 − ε)φ(z)/Z``:
``m ← m + P Hᵀ·sign·ρ/√S``, ``P ← P − P Hᵀ H P·ρ(ρ + z)/S``, ``S = σ² + H P Hᵀ``.

*Volunteer pick* and *crew visit* (reset): the share ``f`` of the street that
was cleaned (pick: minutes × pick speed ÷ length; visit: the crew's
thoroughness) is reset to a residual ``ρ ~ N(μ_ρ, σ_ρ²)``:

    L ← (1 − f) L + f ρ,   var_litter ← (1 − f)² var_litter + f² σ_ρ²,
    cov ← (1 − f) cov.

Before the reset, the bags filled tell how much litter there was: a Kalman
measurement of ``L`` with ``z = bags · BAG_LITTER_M / (f · length)`` and
``R = 0.6² + (0.35 z)²`` (bag counts are coarse).  Because ``L`` and ``r`` are
correlated after some days of build-up, this is what teaches the filter each
street's own rate.

*Level found on arrival*: a crew marking a visit done may say which CROW level it found
before cleaning; read like an inspection with a little more noise (``LEVEL_FOUND_EXTRA_VAR``),
before the reset. Without it, the bags filled are the measurement (as for a pick); their noise
includes the rounding to half a bag, a whole CROW level or more on a short street.

Every measurement of L and every clean of most of the street make an *anchor* (the litter was
well known then); a measurement taken days after an anchor is evidence for the weekday factors
(:func:`build_up_evidence`, :class:`WeekdayLearner`).

Not modelled here: weather effects, street-specific report
propensity (a street nobody walks past reports nothing), dumped bulky waste
(handled as a separate stop by the policy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from typing import Any

from .kinds import KINDS, kind_of
from .levels import (
    DEFAULT_TARGET,
    Level,
    level_from_litter,
    litter_interval,
    litter_lower_bound,
    litter_upper_bound,
)

__all__ = [
    "CITY_GROUP",
    "NO_WEEKDAY_EFFECT",
    "STREET_KIND_RATES",
    "BuildUpEvidence",
    "StreetEstimate",
    "WeekdayLearner",
    "build_up_days",
    "build_up_evidence",
    "days_past_target",
    "expected_level",
    "expected_shortfall",
    "level_found_measurement",
    "observe_inspection",
    "observe_pick",
    "observe_quiet",
    "observe_quiet_day",
    "observe_report",
    "observe_visit",
    "predict",
    "prior",
    "probability_below_target",
    "weekday_days",
    "with_weekday_factors",
]

SECONDS_PER_DAY = 86_400.0

PRIOR_LITTER_MEAN = 2.0
PRIOR_LITTER_VAR = 1.0

STREET_KIND_RATES: dict[str, tuple[float, float]] = {
    name: (kind.build_up_per_day, kind.build_up_spread) for name, kind in KINDS.items()
}
"""City averages per kind of street (:mod:`kinds`); unknown kinds use ``default``."""

LITTER_PROCESS_VAR_PER_DAY = 0.003
RATE_PROCESS_VAR_PER_DAY = 0.0004
RATE_FLOOR = 0.02
LITTER_CEILING = 8.0
"""Litter does not build up for ever (wind, rain, passers-by): the mean saturates here."""
LITTER_VAR_CEILING = 4.0
"""…and so does our uncertainty about it (a standard deviation of two CROW steps)."""

INSPECTION_EXTRA_VAR = 0.05

REPORT_THRESHOLD_BY_SEVERITY: dict[int, float] = {1: 2.5, 2: 3.0, 3: 3.5}
REPORT_NOISE = 0.7
REPORT_FLOOR = 0.05

QUIET_THRESHOLD = 3.5
QUIET_NOISE = 1.0
QUIET_FULL_STRENGTH_DAYS = 7.0
QUIET_FLOOR_PER_WEEK = 0.5

BAG_LITTER_M = 400.0
"""One full bag of litter per this many metres of street is one litter unit."""
VOLUNTEER_PICK_SPEED_M_PER_MIN = 15.0
DEFAULT_PICK_COVERAGE = 0.8
VOLUNTEER_RESIDUAL = (0.4, 0.1)
CREW_RESIDUAL = (0.2, 0.05)
BAG_MEASUREMENT_MIN_COVERAGE = 0.25
BAG_MEASUREMENT_MAX_LITTER = 6.0
BAG_COUNT_STEP = 0.5
"""Bags are counted in halves."""
LEVEL_FOUND_EXTRA_VAR = 0.15
"""A crew's eye on arrival is rougher than an inspector's: the level's band plus this variance."""

ANCHOR_MIN_SHARE = 0.8
"""A clean of at least this share of the street makes its litter well known again (an anchor)."""

DAYS_PER_WEEK = 7
NO_WEEKDAY_EFFECT: tuple[float, ...] = (1.0,) * DAYS_PER_WEEK


@dataclass(frozen=True)
class StreetEstimate:
    """Gaussian belief on a street's litter index and build-up rate at ``as_of``."""

    mean_litter: float
    var_litter: float
    rate_mean: float
    rate_var: float
    as_of: datetime
    cov_litter_rate: float = 0.0
    length_m: float = 100.0
    weekday_factors: tuple[float, ...] = NO_WEEKDAY_EFFECT
    """Build-up on Monday … Sunday relative to the street's average day (mean 1): learnt per kind
    of street by :class:`WeekdayLearner` and handed to the estimate (:func:`with_weekday_factors`)."""
    anchor_at: datetime | None = None
    """When the litter was last well known (a clean, or a measurement): build-up is counted from here."""
    anchor_litter: float = 0.0
    anchor_var: float = 0.0
    measured_litter: float | None = None
    """The measurement of L (before any clean) the last observation brought, with its noise variance;
    None when it brought none. What :func:`build_up_evidence` learns weekdays from."""
    measured_var: float = 0.0

    @property
    def sd_litter(self) -> float:
        return math.sqrt(max(self.var_litter, 0.0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as ISO 8601) for the street-state table. Every field is flat, so a
        shallow copy does: `dataclasses.asdict` deep-copies each value, and was an eighth of the
        event consumer's time (once per event applied, and again to see whether it changed)."""
        data = {name: getattr(self, name) for name in _ESTIMATE_FIELDS}
        data["as_of"] = self.as_of.isoformat()
        data["weekday_factors"] = list(self.weekday_factors)
        data["anchor_at"] = self.anchor_at.isoformat() if self.anchor_at is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StreetEstimate:
        """Inverse of :meth:`to_dict`; tolerates missing optional fields from older rows."""
        as_of = data["as_of"]
        return cls(
            mean_litter=float(data["mean_litter"]),
            var_litter=float(data["var_litter"]),
            rate_mean=float(data["rate_mean"]),
            rate_var=float(data["rate_var"]),
            as_of=as_of if isinstance(as_of, datetime) else datetime.fromisoformat(as_of),
            cov_litter_rate=float(data.get("cov_litter_rate", 0.0)),
            length_m=float(data.get("length_m", 100.0)),
            weekday_factors=_checked_factors(data.get("weekday_factors")),
            anchor_at=_as_datetime(data.get("anchor_at")),
            anchor_litter=float(data.get("anchor_litter", 0.0)),
            anchor_var=float(data.get("anchor_var", 0.0)),
            measured_litter=None if data.get("measured_litter") is None else float(data["measured_litter"]),
            measured_var=float(data.get("measured_var", 0.0)),
        )


_ESTIMATE_FIELDS = tuple(field.name for field in fields(StreetEstimate))


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _checked_factors(value: Any) -> tuple[float, ...]:
    if not value:
        return NO_WEEKDAY_EFFECT
    factors = tuple(float(x) for x in value)
    if len(factors) != DAYS_PER_WEEK:
        raise ValueError(f"weekday factors need one value per weekday, got {len(factors)}")
    return factors


# --- small Gaussian helpers -------------------------------------------------


def _normal_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _inverse_mills(z: float) -> float:
    """φ(z)/Φ(z), computed stably for very negative z (where both underflow)."""
    if z < -30.0:
        return -z + 1.0 / -z
    cdf = _normal_cdf(z)
    if cdf < 1e-300:
        return -z
    return _normal_pdf(z) / cdf


def _clamped(est: StreetEstimate, **changes: float) -> StreetEstimate:
    """Apply changes and keep the belief physical: L ≥ 0, r ≥ floor, PSD covariance."""
    updated = replace(est, **changes)  # type: ignore[arg-type]
    var_litter = min(max(updated.var_litter, 1e-9), LITTER_VAR_CEILING)
    rate_var = max(updated.rate_var, 1e-12)
    bound = math.sqrt(var_litter * rate_var)
    cov = min(max(updated.cov_litter_rate, 0.0), bound)
    return replace(
        updated,
        mean_litter=min(max(updated.mean_litter, 0.0), LITTER_CEILING),
        rate_mean=max(updated.rate_mean, RATE_FLOOR),
        var_litter=var_litter,
        rate_var=rate_var,
        cov_litter_rate=cov,
    )


def _kalman_litter_measurement(est: StreetEstimate, value: float, noise_var: float) -> StreetEstimate:
    """Linear update with a direct, Gaussian measurement of L."""
    innovation_var = est.var_litter + noise_var
    gain_litter = est.var_litter / innovation_var
    gain_rate = est.cov_litter_rate / innovation_var
    residual = value - est.mean_litter
    return _clamped(
        est,
        mean_litter=est.mean_litter + gain_litter * residual,
        rate_mean=est.rate_mean + gain_rate * residual,
        var_litter=est.var_litter - gain_litter * est.var_litter,
        cov_litter_rate=est.cov_litter_rate - gain_litter * est.cov_litter_rate,
        rate_var=est.rate_var - gain_rate * est.cov_litter_rate,
    )


def _probit_litter_update(
    est: StreetEstimate,
    threshold: float,
    noise: float,
    sign: float,
    floor: float,
    *,
    touch_rate: bool = True,
) -> StreetEstimate:
    """Moment-matched update for P(obs | L) = ε + (1 − ε)·Φ(sign·(L − threshold)/noise).

    ``floor`` (ε) is the chance of the observation whatever the litter (a report
    about something else, a street nobody would report anyway); it bounds how
    much one observation can say.
    """
    spread_sq = noise * noise + est.var_litter
    spread = math.sqrt(spread_sq)
    z = sign * (est.mean_litter - threshold) / spread
    weight = 1.0 - floor
    cdf = _normal_cdf(z)
    evidence = floor + weight * cdf
    # with no floor and z far in the tail both terms underflow: use the asymptote
    ratio = _inverse_mills(z) if evidence < 1e-300 else weight * _normal_pdf(z) / evidence
    # d log Z / dμ and the variance correction of assumed density filtering
    slope = sign * ratio / spread
    shrink = (ratio * ratio + z * ratio) / spread_sq
    shrink = min(max(shrink, 0.0), 1.0 / est.var_litter * 0.999)
    changes: dict[str, float] = {
        "mean_litter": est.mean_litter + est.var_litter * slope,
        "var_litter": est.var_litter - est.var_litter * est.var_litter * shrink,
    }
    if touch_rate:
        changes["rate_mean"] = est.rate_mean + est.cov_litter_rate * slope
        changes["cov_litter_rate"] = est.cov_litter_rate - est.var_litter * est.cov_litter_rate * shrink
        changes["rate_var"] = est.rate_var - est.cov_litter_rate * est.cov_litter_rate * shrink
    return _clamped(est, **changes)


def _reset(est: StreetEstimate, cleaned_share: float, residual: tuple[float, float]) -> StreetEstimate:
    """Cleaning replaces the cleaned share of the litter with a small residual."""
    share = min(max(cleaned_share, 0.0), 1.0)
    keep = 1.0 - share
    residual_mean, residual_var = residual
    cleaned = _clamped(
        est,
        mean_litter=keep * est.mean_litter + share * residual_mean,
        var_litter=keep * keep * est.var_litter + share * share * residual_var,
        cov_litter_rate=keep * est.cov_litter_rate,
    )
    if share < ANCHOR_MIN_SHARE:
        return cleaned  # a partial pick: the street's litter is no better known than before
    return replace(cleaned, anchor_at=cleaned.as_of, anchor_litter=cleaned.mean_litter, anchor_var=cleaned.var_litter)


# --- public API -------------------------------------------------------------


def prior(kind: str, length_m: float, at: datetime) -> StreetEstimate:
    """The city's average belief for a street of this kind, before any observation."""
    street_kind = kind_of(kind)
    rate_mean, rate_sd = street_kind.build_up_per_day, street_kind.build_up_spread
    return StreetEstimate(
        mean_litter=PRIOR_LITTER_MEAN,
        var_litter=PRIOR_LITTER_VAR,
        rate_mean=rate_mean,
        rate_var=rate_sd * rate_sd,
        as_of=at,
        cov_litter_rate=0.0,
        length_m=max(float(length_m), 1.0),
    )


def weekday_days(start: datetime, end: datetime) -> list[float]:
    """How much of ``[start, end)`` falls on each weekday (Monday first), in days, on ``end``'s clock."""
    spans = [0.0] * DAYS_PER_WEEK
    if end <= start:
        return spans
    if end.tzinfo is not None and start.tzinfo is not None:
        start = start.astimezone(end.tzinfo)
    moment = start
    while moment < end:
        midnight = datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo) + timedelta(days=1)
        step_end = min(midnight, end)
        spans[moment.weekday()] += (step_end - moment).total_seconds() / SECONDS_PER_DAY
        moment = step_end
    return spans


def build_up_days(est: StreetEstimate, at: datetime) -> float:
    """The days of build-up between ``est.as_of`` and ``at``: each day weighted by its weekday factor."""
    if est.weekday_factors == NO_WEEKDAY_EFFECT:
        return max(0.0, (at - est.as_of).total_seconds() / SECONDS_PER_DAY)
    spans = weekday_days(est.as_of, at)
    return sum(f * d for f, d in zip(est.weekday_factors, spans, strict=True))


def with_weekday_factors(est: StreetEstimate, factors: Sequence[float]) -> StreetEstimate:
    """The same belief, predicting forward with these weekday factors (Monday first, mean 1)."""
    checked = _checked_factors(factors)
    return est if checked == est.weekday_factors else replace(est, weekday_factors=checked)


def predict(est: StreetEstimate, at: datetime) -> StreetEstimate:
    """Belief at ``at`` if nothing is observed meanwhile (no change for past times).

    The build-up integrates the rate over the days ahead with the weekday factors
    (``D = Σ factor(weekday)·days``); the process noise grows with calendar days."""
    days = (at - est.as_of).total_seconds() / SECONDS_PER_DAY
    if days <= 0:
        return est
    build_up = build_up_days(est, at)
    return _clamped(
        est,
        mean_litter=est.mean_litter + est.rate_mean * build_up,
        var_litter=est.var_litter
        + 2.0 * build_up * est.cov_litter_rate
        + build_up * build_up * est.rate_var
        + LITTER_PROCESS_VAR_PER_DAY * days,
        cov_litter_rate=est.cov_litter_rate + build_up * est.rate_var,
        rate_var=est.rate_var + RATE_PROCESS_VAR_PER_DAY * days,
        as_of=at,  # type: ignore[arg-type]
    )


def _moved(est: StreetEstimate, at: datetime) -> StreetEstimate:
    """``predict`` for an observation: it brings no measurement unless the caller adds one."""
    moved = predict(est, at)
    return moved if moved.measured_litter is None else replace(moved, measured_litter=None, measured_var=0.0)


def _measure(est: StreetEstimate, value: float, noise_var: float) -> StreetEstimate:
    """A direct measurement of L: the Kalman update, remembered (for the weekday learning) and
    made the new anchor (the litter is now well known)."""
    updated = _kalman_litter_measurement(est, value, noise_var)
    return replace(
        updated,
        measured_litter=value,
        measured_var=noise_var,
        anchor_at=updated.as_of,
        anchor_litter=updated.mean_litter,
        anchor_var=updated.var_litter,
    )


def observe_inspection(est: StreetEstimate, at: datetime, level: Level) -> StreetEstimate:
    """An inspector measured the street's CROW level: an accurate measurement of L."""
    low, high = litter_interval(level)
    noise_var = (high - low) ** 2 / 12.0 + INSPECTION_EXTRA_VAR
    return _measure(_moved(est, at), (low + high) / 2.0, noise_var)


def observe_report(est: StreetEstimate, at: datetime, severity: int = 1, *, duplicate: bool = False) -> StreetEstimate:
    """A resident reported litter (severity 1 light … 3 heavy); duplicates add nothing."""
    moved = _moved(est, at)
    if duplicate:
        return moved
    clamped_severity = min(max(int(severity), 1), 3)
    threshold = REPORT_THRESHOLD_BY_SEVERITY[clamped_severity]
    return _probit_litter_update(moved, threshold, REPORT_NOISE, sign=1.0, floor=REPORT_FLOOR)


def observe_quiet(est: StreetEstimate, at: datetime, strength: float = 1.0) -> StreetEstimate:
    """No report came in between ``est.as_of`` and ``at``: weak evidence of less litter.

    ``strength`` (0…1) scales how much a silence means on this street, e.g. lower
    where few residents pass by.
    """
    days = (at - est.as_of).total_seconds() / SECONDS_PER_DAY
    moved = _moved(est, at)
    if days <= 0 or strength <= 0:
        return moved
    effective_days = min(days, QUIET_FULL_STRENGTH_DAYS) * min(strength, 1.0)
    floor = QUIET_FLOOR_PER_WEEK ** (effective_days / QUIET_FULL_STRENGTH_DAYS)
    return _probit_litter_update(moved, QUIET_THRESHOLD, QUIET_NOISE, sign=-1.0, floor=floor, touch_rate=False)


QUIET_DAY_ENDS = time(23, 59)
"""When a day's silence is taken as evidence (city time): after the day's events are in."""


def observe_quiet_day(est: StreetEstimate, end_of_day: datetime, kind: str) -> StreetEstimate:
    """A day ended and nobody reported the street: its silence, weighted by how watched a street
    of its kind is. The one rule both the scheduling service (every night, for the day before)
    and the simulator (at each simulated day's end) apply to every street not reported that day."""
    return observe_quiet(est, end_of_day, kind_of(kind).quiet_strength)


def _bag_noise_var(measured: float, cleaned_m: float) -> float:
    """Bags are coarse: a spread that grows with the amount, plus the rounding to half a bag, which
    on a short street is a whole CROW level or more (uniform rounding error: step²/12)."""
    step = BAG_COUNT_STEP * BAG_LITTER_M / max(cleaned_m, 1.0)
    return 0.6**2 + (0.35 * measured) ** 2 + step * step / 12.0


def pick_coverage(length_m: float, minutes: float | None) -> float:
    """Share of the street a volunteer session cleaned, from its duration."""
    if minutes is None or minutes <= 0:
        return DEFAULT_PICK_COVERAGE
    return min(1.0, minutes * VOLUNTEER_PICK_SPEED_M_PER_MIN / max(length_m, 1.0))


def observe_pick(est: StreetEstimate, at: datetime, bags: float | None, minutes: float | None) -> StreetEstimate:
    """A volunteer picked litter: learn from the bags filled, then reset what was cleaned."""
    moved = _moved(est, at)
    coverage = pick_coverage(moved.length_m, minutes)
    if bags is not None and bags >= 0 and coverage >= BAG_MEASUREMENT_MIN_COVERAGE:
        measured = min(bags * BAG_LITTER_M / (coverage * moved.length_m), BAG_MEASUREMENT_MAX_LITTER)
        moved = _measure(moved, measured, _bag_noise_var(measured, coverage * moved.length_m))
    return _reset(moved, coverage, VOLUNTEER_RESIDUAL)


def level_found_measurement(level: Level) -> tuple[float, float]:
    """The CROW level a crew found on arrival as a measurement of L: (value, noise variance)."""
    low, high = litter_interval(level)
    return (low + high) / 2.0, (high - low) ** 2 / 12.0 + LEVEL_FOUND_EXTRA_VAR


def observe_visit(
    est: StreetEstimate,
    at: datetime,
    thoroughness: float = 0.95,
    bags: float | None = None,
    level_found: Level | None = None,
) -> StreetEstimate:
    """A crew cleaned the street; ``thoroughness`` is the share it reached.

    What the crew saw *before* cleaning is a measurement of L then: the CROW level found on
    arrival (``level_found``) and the bags filled. The level, when given, is the one used (a
    direct reading; bags also depend on how much was swept); the clean resets after it."""
    moved = _moved(est, at)
    if level_found is not None:
        moved = _measure(moved, *level_found_measurement(level_found))
    elif bags is not None and bags >= 0:
        measured = min(bags * BAG_LITTER_M / moved.length_m, BAG_MEASUREMENT_MAX_LITTER)
        moved = _measure(moved, measured, _bag_noise_var(measured, moved.length_m))
    return _reset(moved, thoroughness, CREW_RESIDUAL)


def expected_level(est: StreetEstimate, at: datetime) -> Level:
    """The CROW level of the mean litter expected at ``at``."""
    return level_from_litter(predict(est, at).mean_litter)


def probability_below_target(est: StreetEstimate, at: datetime, target: Level = DEFAULT_TARGET) -> float:
    """P(street is dirtier than ``target`` at ``at``) = P(L ≥ upper bound of target)."""
    bound = litter_upper_bound(target)
    if math.isinf(bound):
        return 0.0
    moved = predict(est, at)
    return 1.0 - _normal_cdf((bound - moved.mean_litter) / moved.sd_litter)


def expected_shortfall(est: StreetEstimate, at: datetime, target: Level = DEFAULT_TARGET) -> float:
    """E[max(0, L − bound)]: how far past the target the street is expected to be.

    For L ~ N(μ, σ²) and d = (μ − b)/σ this is (μ − b)·Φ(d) + σ·φ(d).
    """
    bound = litter_upper_bound(target)
    if math.isinf(bound):
        return 0.0
    moved = predict(est, at)
    sd = moved.sd_litter
    d = (moved.mean_litter - bound) / sd
    return max(0.0, (moved.mean_litter - bound) * _normal_cdf(d) + sd * _normal_pdf(d))


def days_past_target(est: StreetEstimate, at: datetime, target: Level = DEFAULT_TARGET) -> float:
    """How many days the expected litter has been past the target at ``at`` (0 if it is not).

    Counted back along the street's mean build-up rate: the age of the shortfall, so work that
    has waited can be worth more than work that just came due."""
    bound = litter_upper_bound(target)
    moved = predict(est, at)
    if math.isinf(bound) or moved.mean_litter <= bound or est.rate_mean <= 0:
        return 0.0
    return (moved.mean_litter - bound) / est.rate_mean


# --- the weekday factor, learnt ----------------------------------------------
#
# Litter builds up faster on some days (weekend nights, a market day). Each measurement of L
# (an inspection, the level a crew found, the bags filled) taken some days after the street's
# litter was last well known (a clean or an earlier measurement: the *anchor*) says how much
# built up over those days:
#
#     (z − L_anchor) / r̂  ≈  Σ_d  days_d · f_d          (days_d: the interval's days on weekday d)
#
# with r̂ the street's own rate estimate. Pooled over the streets of a group, that is a linear
# regression for the seven factors f; its sufficient statistics (XᵀWX, XᵀWy) add up event by
# event and fit in a JSON row. The factors are its ridge solution with the prior 1.0 (no weekday
# effect): a group's factors shrink towards the city's (all groups pooled), the city's towards
# 1.0, each with the weight of ``WEEKDAY_PRIOR_WEIGHT``; then scaled to a mean of 1 over the
# week, so a street's rate stays its average day's build-up. Groups are kinds of street: the
# weekly rhythm follows land use (shopping streets on Saturday, nightlife on weekend nights),
# every kind has many streets (a district has tens at most, and its own rhythm is mostly its
# mix of kinds), and the city's pooled factors carry a kind with few observations.

WEEKDAY_PRIOR_WEIGHT = 50.0
"""Weight of the prior 1.0 on each factor, in the regression's units (≈ 15 typical observations)."""
WEEKDAY_MIN_SPAN_DAYS = 0.25
WEEKDAY_MAX_SPAN_DAYS = 21.0
"""Intervals longer than this say little about a weekday and much about saturation: not used."""
WEEKDAY_FACTOR_RANGE = (0.25, 4.0)
CITY_GROUP = "*"


@dataclass(frozen=True)
class BuildUpEvidence:
    """Build-up measured over an interval: its days per weekday, in litter units, at the street's rate."""

    days: tuple[float, ...]
    build_up: float
    rate: float
    noise_var: float
    """Variance of ``build_up / rate`` in days² (measurement, anchor and rate uncertainty)."""

    def to_dict(self) -> dict[str, Any]:
        return {"days": list(self.days), "build_up": self.build_up, "rate": self.rate, "noise_var": self.noise_var}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildUpEvidence:
        return cls(
            days=tuple(float(d) for d in data["days"]),
            build_up=float(data["build_up"]),
            rate=float(data["rate"]),
            noise_var=float(data["noise_var"]),
        )


def build_up_evidence(before: StreetEstimate, after: StreetEstimate) -> BuildUpEvidence | None:
    """What an observation (``before`` → ``after``) tells about the weekdays, if anything: only a
    measurement of L taken a while after the street's litter was last well known."""
    if after.measured_litter is None or before.anchor_at is None:
        return None
    span = (after.as_of - before.anchor_at).total_seconds() / SECONDS_PER_DAY
    if not WEEKDAY_MIN_SPAN_DAYS <= span <= WEEKDAY_MAX_SPAN_DAYS:
        return None
    if after.measured_litter >= min(BAG_MEASUREMENT_MAX_LITTER, litter_lower_bound(Level.D)):
        return None  # censored: a D or a full street says "at least", not how much
    rate = max(before.rate_mean, RATE_FLOOR)
    days = tuple(weekday_days(before.anchor_at, after.as_of))
    build_up = after.measured_litter - before.anchor_litter
    noise_var = (after.measured_var + before.anchor_var) / (rate * rate) + span * span * before.rate_var / (rate * rate)
    return BuildUpEvidence(days=days, build_up=build_up, rate=rate, noise_var=noise_var)


def _solve_factors(xtx: Sequence[float], xty: Sequence[float], prior_factors: Sequence[float]) -> tuple[float, ...]:
    import numpy as np

    n = DAYS_PER_WEEK
    a = np.array(xtx, dtype=float).reshape(n, n) + WEEKDAY_PRIOR_WEIGHT * np.eye(n)
    b = np.array(xty, dtype=float) + WEEKDAY_PRIOR_WEIGHT * np.array(prior_factors, dtype=float)
    solved = np.clip(np.linalg.solve(a, b), *WEEKDAY_FACTOR_RANGE)
    solved = solved / solved.mean()
    return tuple(round(float(x), 4) for x in solved)


@dataclass(frozen=True)
class WeekdayLearner:
    """The weekday factors learnt so far, per group (kind of street); immutable, JSON-ready."""

    stats: tuple[tuple[str, tuple[float, ...], tuple[float, ...], int], ...] = ()
    """Per group: (group, XᵀWX row by row, XᵀWy, observations)."""

    def learn(self, group: str, evidence: BuildUpEvidence | None, *, forget: bool = False) -> WeekdayLearner:
        """The learner with one more observation of ``group`` (unchanged for ``None``); with
        ``forget``, one fewer: an observation taken back (a visit's done undone)."""
        if evidence is None or evidence.noise_var <= 0:
            return self
        weight = (-1.0 if forget else 1.0) / evidence.noise_var
        x = evidence.days
        y = evidence.build_up / evidence.rate
        current = {g: (xtx, xty, n) for g, xtx, xty, n in self.stats}
        xtx, xty, count = current.get(group, ((0.0,) * DAYS_PER_WEEK**2, (0.0,) * DAYS_PER_WEEK, 0))
        new_xtx = tuple(
            xtx[i * DAYS_PER_WEEK + j] + weight * x[i] * x[j]
            for i in range(DAYS_PER_WEEK)
            for j in range(DAYS_PER_WEEK)
        )
        new_xty = tuple(xty[i] + weight * x[i] * y for i in range(DAYS_PER_WEEK))
        current[group] = (new_xtx, new_xty, max(0, count + (-1 if forget else 1)))
        return WeekdayLearner(tuple((g, *current[g]) for g in sorted(current)))

    def observations(self, group: str | None = None) -> int:
        return sum(n for g, _, _, n in self.stats if group is None or g == group)

    def city_factors(self) -> tuple[float, ...]:
        """All groups pooled, shrunk towards 1.0."""
        if not self.stats:
            return NO_WEEKDAY_EFFECT
        xtx = [sum(row[1][k] for row in self.stats) for k in range(DAYS_PER_WEEK**2)]
        xty = [sum(row[2][k] for row in self.stats) for k in range(DAYS_PER_WEEK)]
        return _solve_factors(xtx, xty, NO_WEEKDAY_EFFECT)

    def factors(self, group: str) -> tuple[float, ...]:
        """Monday … Sunday for ``group``, shrunk towards the city's factors."""
        city = self.city_factors()
        for g, xtx, xty, _ in self.stats:
            if g == group:
                return _solve_factors(xtx, xty, city)
        return city

    def all_factors(self, groups: Sequence[str]) -> dict[str, tuple[float, ...]]:
        """The factors of each group, the city's solved once."""
        city = self.city_factors()
        known = {g: (xtx, xty) for g, xtx, xty, _ in self.stats}
        return {g: _solve_factors(*known[g], city) if g in known else city for g in groups}

    def to_dict(self) -> dict[str, Any]:
        return {g: {"xtx": list(xtx), "xty": list(xty), "observations": n} for g, xtx, xty, n in self.stats}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> WeekdayLearner:
        rows = []
        for group, row in sorted((data or {}).items()):
            xtx = tuple(float(v) for v in row["xtx"])
            xty = tuple(float(v) for v in row["xty"])
            if len(xtx) != DAYS_PER_WEEK**2 or len(xty) != DAYS_PER_WEEK:
                raise ValueError(f"weekday statistics of {group!r} have the wrong shape")
            rows.append((str(group), xtx, xty, int(row.get("observations", 0))))
        return cls(tuple(rows))
