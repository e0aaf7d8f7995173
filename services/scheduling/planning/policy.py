"""The effort policy: which streets and stops are worth a crew visit on a day, and why.

Working from the average (DESIGN.md): crew effort goes where the expected
shortfall below target is largest *and nobody else will act*.  For a street

    prize = effort_level · seconds_per_shortfall_metre · E[max(0, L − b)] · (1 − p_cover) · length_m · weight
            · (1 + overdue_growth_per_day · days past target)

where ``L`` is the estimated litter index at the evaluation time (the end of the
planned day plus ``lookahead_days``: a visit today also spares tomorrow), ``b``
the upper bound of the street's target level, and ``p_cover`` the probability
that volunteers cover it that day (:mod:`coverage`).  A reliably picked street
has ``p_cover`` ≈ 0.9 and a low ``L`` and drops off the plans; once its adopters
stop, ``p_cover`` falls to 0 within 2× their rhythm while ``L`` keeps growing, so
it comes back on its own.

The prize is in **crew-seconds** — the crew time the city is willing to spend to avoid that
shortfall — so the router weighs it against the travel and cleaning seconds the visit costs and
leaves out a street that is not worth it (the effort rule).  ``effort_level`` scales what avoided
shortfall is worth against a crew-second: the city's one knob between thrift and cleanliness (the
simulator's frontier sweeps it).

Plain stops need a crew mode rather than a prize computed from litter: bags
waiting (a cart takes a few; more need the bulky-waste truck) and bulky waste
reports.  They carry a fixed prize per bag / per report that grows with the
days they wait, sized to outrank an average dirty street.

Every candidate carries a reason built from facts a dispatcher can check, e.g.
"no pick logged for 3 weeks on a weekly adoption; 2 reports since Monday; expected level C", both
as parts (codes and params, :mod:`reasons`) for the pages to say in the reader's language and as
that English text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .coverage import Adoption, AdoptionStatus, PlannedCleanup, days_without_pick, street_coverage
from .estimator import StreetEstimate, days_past_target, expected_shortfall, predict
from .levels import DEFAULT_TARGET, Level, level_from_litter, litter_upper_bound
from .reasons import Part, humanize_days, part, phrase, since_params
from .routing import CrewMode, StreetCandidate, cleaning_seconds

__all__ = [
    "BagStop",
    "BulkyWasteReport",
    "DistrictOutlook",
    "PolicyConfig",
    "StreetFacts",
    "coming_due_prize",
    "day_candidates",
    "days_until_due",
    "horizon_outlook",
    "humanize_days",
    "stop_candidates",
    "street_candidates",
    "street_reason",
    "street_reason_parts",
]

INSPECTION_MEMORY_DAYS = 30
TYPICAL_FOOT_CREW = 2
"""The crew size a street's cleaning seconds are reckoned with before a crew is chosen."""


@dataclass(frozen=True)
class PolicyConfig:
    """Knobs of the policy, with the values the city starts from."""

    effort_level: float = 1.0
    """Value of avoided shortfall relative to a crew-second (1: the city's average effort)."""
    seconds_per_shortfall_metre: float = 8.0
    """Crew-seconds worth spending to avoid one litter unit of shortfall on one metre of street.

    Sized so the effort rule plans a street once its expected shortfall nears a third of a level
    (0.3 litter units, the thrift the simulator measured best): a foot crew of two cleans 0.5 m/s,
    i.e. 2 s/m, plus ~0.4 s/m of travel on a 200 m street, and 0.3 × 8 = 2.4 s/m."""
    crew_shift_share: float = 0.25
    """What sending a crew out costs on top of its route's seconds, as a share of its shift: a crew
    whose day's work is not worth that stays home, and the work waits until it is, so light days
    pool into fuller shifts on fewer days (the city pays a crew's shift whole; a crew on call longer
    than a working day counts as one, ``routing.PAID_DAY_SECONDS``).

    Measured on the simulator's frontier (demo city, 8-hour shifts, 2 seeds, 30 days): at a
    sixteenth of a shift (30 min, the earlier default) crews went out on 15–24 of 30 days, at a
    quarter on 12–16 and at a whole shift on 10–12, each at the rota's cleanliness for 0.58×, 0.44×
    and 0.33× its crew-shift hours.  A lone street past its target does not wait for company forever:
    ``overdue_growth_per_day`` raises its worth each day it waits."""
    overdue_growth_per_day: float = 1.0
    """A street's prize grows by this fraction per day its expected litter has been past the target.

    The counterweight to ``crew_shift_share``: pooling light days must not leave a lone dirty street
    waiting for company.  Measured (district-stops, 5 seeds × 30 days, after a district's adopters
    stop silently; first day below target → crew visit): without it median 1 d, p90 3.5 d, max 7 d;
    at 0.5 max 8 d; at 1.0 median 1 d, p90 2 d, max 5 d, for 152 crew hours against 128 (the
    rota: 240)."""
    lookahead_days: float = 1.0
    horizon_days: int = 5
    """The days the plan looks at together, today first (1: today alone).  A street that comes due
    on a later day of the horizon is offered today as well, worth what cleaning it now instead
    saves (``coming_due_prize``): the router takes it only where its detour costs less than that,
    and an area's streets coming due may together make a light day worth a crew, so they are
    cleaned on one area-day instead of each on its own trip.

    Measured on the simulator's frontier (2 seeds, at the rota's cleanliness): the demo city 0.53×
    → 0.44× the rota's paid hours, city-2000 0.66× → 0.62×.  Not counting them in a crew's worth
    (so they never tip a crew out) gave 0.43× and 0.68×: the pooling is where the saving is."""
    own_trip_seconds: float = 120.0
    """The travel a street's visit of its own costs on the day it comes due: what cleaning it early,
    next to a crew's route, saves (a rota sweeping area by area travels ~100 s per street, a
    day's scattered demand ~160 s)."""
    min_prize: float = 60.0
    """Candidates worth less than a crew-minute are not offered to the router at all."""
    prize_per_bag: float = 900.0
    """Crew-seconds a waiting bag is worth: a volunteer's bag is always worth its collection."""
    prize_per_bulky_report: float = 3600.0
    waiting_growth_per_day: float = 0.5
    """A stop's prize grows by this fraction per day it waits."""
    cart_bag_limit: int = 3
    service_seconds_per_bag: int = 60
    bag_stop_base_seconds: int = 120
    bulky_stop_seconds: int = 900


@dataclass(frozen=True)
class StreetFacts:
    """What the scheduling service knows about one street when planning a day."""

    street_id: str
    district: str
    lat: float
    lon: float
    length_m: float
    estimate: StreetEstimate
    target: Level = DEFAULT_TARGET
    weight: float = 1.0
    last_pick_at: datetime | None = None
    last_visit_at: datetime | None = None
    last_inspection: tuple[datetime, Level] | None = None
    report_times: tuple[datetime, ...] = ()
    """Times of the street's reports, duplicates already removed."""
    adoptions: tuple[Adoption, ...] = ()
    name: str = ""
    kind: str = "default"
    """The kind of street (residential, shopping, …): sizes the district's average effort."""


@dataclass(frozen=True)
class BagStop:
    """Full bags waiting at a spot for collection (``bags.ready``)."""

    id: str
    street_id: str
    district: str
    lat: float
    lon: float
    bags: int
    ready_at: datetime


@dataclass(frozen=True)
class BulkyWasteReport:
    """A resident reported dumped or bulky waste: a stop for the truck."""

    id: str
    street_id: str
    district: str
    lat: float
    lon: float
    reported_at: datetime
    description: str = ""


# --- words -------------------------------------------------------------------


def _days(earlier: datetime, later: datetime) -> float:
    if (earlier.tzinfo is None) != (later.tzinfo is None):
        earlier = earlier.replace(tzinfo=later.tzinfo)
    return (later - earlier).total_seconds() / 86_400.0


def _volunteer_parts(facts: StreetFacts, day: date, now: datetime) -> list[Part]:
    active = [a for a in facts.adoptions if a.status is AdoptionStatus.ACTIVE]
    if facts.adoptions and not active:
        statuses = {a.status for a in facts.adoptions}
        return [part("adopters_paused" if AdoptionStatus.PAUSED in statuses else "adoption_lapsed")]
    if active:
        idle = min(days_without_pick(a, now) for a in active)
        rhythm = min(active, key=lambda a: a.rhythm.days).rhythm
        if idle < rhythm.days:
            return []  # on rhythm: nothing to explain
        if any(a.last_pick_at is not None or a.pick_times for a in active) or facts.last_pick_at is not None:
            return [part("no_pick_on_adoption", days=int(idle), rhythm=rhythm.value)]
        return [part("adopted_no_pick", days=int(idle))]
    if facts.last_pick_at is not None:
        return [part("not_adopted"), part("last_volunteer_pick", days=int(_days(facts.last_pick_at, now)))]
    return [part("not_adopted")]


def street_reason_parts(
    facts: StreetFacts,
    day: date,
    now: datetime,
    expected: Level,
    cleanups: Sequence[PlannedCleanup] = (),
) -> tuple[Part, ...]:
    """The facts behind a street's place on the plan, as parts (:mod:`reasons`)."""
    parts = _volunteer_parts(facts, day, now)
    if any(c.on == day and facts.street_id in c.street_ids for c in cleanups):
        parts.append(part("cleanup_planned"))
    last_clean = max((t for t in (facts.last_pick_at, facts.last_visit_at) if t is not None), default=None)
    reports = sorted(t for t in facts.report_times if last_clean is None or _days(last_clean, t) > 0)
    if reports:
        parts.append(part("reports_since", count=len(reports), **since_params(reports[0], now)))
    if facts.last_visit_at is not None:
        parts.append(part("last_visit", days=int(_days(facts.last_visit_at, now))))
    else:
        parts.append(part("no_visit"))
    if facts.last_inspection is not None:
        inspected_at, level = facts.last_inspection
        if _days(inspected_at, now) <= INSPECTION_MEMORY_DAYS:
            parts.append(part("inspected", level=str(level), on=inspected_at.date().isoformat()))
    parts.append(part("expected_level", level=str(expected)))
    return tuple(parts)


def street_reason(
    facts: StreetFacts,
    day: date,
    now: datetime,
    expected: Level,
    cleanups: Sequence[PlannedCleanup] = (),
) -> str:
    """The facts behind a street's place on the plan, in a dispatcher's (English) words."""
    return phrase(street_reason_parts(facts, day, now, expected, cleanups))


# --- candidates ----------------------------------------------------------------


def _day_start(day: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz or UTC)


def _evaluated_at(day: date, tz: tzinfo | None, config: PolicyConfig) -> datetime:
    """When a visit on ``day`` is judged: the end of the day plus ``lookahead_days``."""
    return _day_start(day, tz) + timedelta(days=1.0 + config.lookahead_days)


def _street_prize(
    facts: StreetFacts, day: date, tz: tzinfo | None, cleanups: Sequence[PlannedCleanup], config: PolicyConfig
) -> float:
    """What a visit on ``day`` is worth in crew-seconds: the shortfall it avoids (the module's formula)."""
    day_start = _day_start(day, tz)
    evaluate_at = _evaluated_at(day, tz, config)
    coverage = street_coverage(facts.street_id, day, facts.adoptions, cleanups, until=evaluate_at)
    shortfall = expected_shortfall(facts.estimate, evaluate_at, facts.target)
    net_shortfall_m = shortfall * (1.0 - coverage.probability) * facts.length_m * facts.weight
    waited = days_past_target(facts.estimate, day_start + timedelta(days=1), facts.target)
    return (
        config.effort_level
        * config.seconds_per_shortfall_metre
        * net_shortfall_m
        * (1.0 + config.overdue_growth_per_day * waited)
    )


def _own_visit_seconds(facts: StreetFacts, config: PolicyConfig) -> float:
    """What a visit to this street alone costs: a foot crew's cleaning and a trip of its own."""
    return cleaning_seconds(facts.length_m, CrewMode.FOOT, TYPICAL_FOOT_CREW) + config.own_trip_seconds


def days_until_due(
    facts: StreetFacts, day: date, tz: tzinfo | None, cleanups: Sequence[PlannedCleanup], config: PolicyConfig
) -> int | None:
    """How many days after ``day`` the street is first worth a trip of its own (its cleaning and
    ``own_trip_seconds``), within the horizon; None beyond it."""
    visit_seconds = _own_visit_seconds(facts, config)
    for days in range(1, config.horizon_days):
        if _street_prize(facts, day + timedelta(days=days), tz, cleanups, config) >= visit_seconds:
            return days
    return None


def coming_due_prize(
    facts: StreetFacts, day: date, tz: tzinfo | None, cleanups: Sequence[PlannedCleanup], config: PolicyConfig
) -> tuple[int, float] | None:
    """``(days, prize)`` for a street not yet worth a trip of its own that will be within the
    horizon, ``days`` from today (:func:`days_until_due`).

    Cleaning it today instead spares that trip, but starts its next build-up ``days`` early: a share
    ``days / cycle`` of a visit (cycle: the days from clean to past its target at its rate) is
    spent for nothing.  So it is worth ``(cleaning + trip) · (1 − days / cycle)`` today, and the
    router, which weighs a prize against the detour and the cleaning it costs, takes it only where
    the detour is smaller than the trip it spares.  A street its adopters (or a group clean-up
    today) may pick before it comes due is left to them: the crew would take their work and the
    plan would take their credit (None)."""
    rate = facts.estimate.rate_mean
    if rate <= 0:
        return None
    cycle_days = litter_upper_bound(facts.target) / rate
    days = days_until_due(facts, day, tz, cleanups, config)
    if days is None or days >= cycle_days:
        return None
    comes_due_at = _evaluated_at(day + timedelta(days=days), tz, config)
    if street_coverage(facts.street_id, day, facts.adoptions, cleanups, until=comes_due_at).probability > 0.0:
        return None
    return days, _own_visit_seconds(facts, config) * (1.0 - days / cycle_days)


@dataclass(frozen=True)
class DistrictOutlook:
    """A district's streets coming due on one day of the horizon, had nobody cleaned them sooner."""

    district: str
    streets: int
    hours: float
    """Their cleaning by a foot crew and a trip of their own each: the most they would take."""

    def as_dict(self) -> dict[str, object]:
        return {"district": self.district, "streets": self.streets, "hours": round(self.hours, 2)}


def horizon_outlook(
    streets: Iterable[StreetFacts],
    day: date,
    now: datetime,
    planned: Collection[str] = (),
    cleanups: Sequence[PlannedCleanup] = (),
    config: PolicyConfig = PolicyConfig(),
) -> list[tuple[date, list[DistrictOutlook]]]:
    """The days after ``day`` within the horizon, each with the streets coming due that day by
    district: the preview a dispatcher plans the week with, moving as facts arrive.

    Streets ``planned`` on ``day`` are left out (their visit resets them); a street due but left
    for later today counts as due tomorrow."""
    due: dict[tuple[int, str], list[float]] = {}
    for facts in streets:
        if facts.street_id in planned:
            continue
        days = days_until_due(facts, day, now.tzinfo, cleanups, config)
        if days is not None:
            due.setdefault((days, facts.district), []).append(_own_visit_seconds(facts, config))
    outlook = []
    for days in range(1, config.horizon_days):
        districts = sorted(district for d, district in due if d == days)
        rows = [DistrictOutlook(d, len(due[days, d]), sum(due[days, d]) / 3600.0) for d in districts]
        outlook.append((day + timedelta(days=days), rows))
    return outlook


def street_candidates(
    streets: Iterable[StreetFacts],
    day: date,
    now: datetime,
    cleanups: Sequence[PlannedCleanup] = (),
    config: PolicyConfig = PolicyConfig(),
) -> list[StreetCandidate]:
    """Streets worth a crew visit on ``day``, best first, each with prize and reason; with them the
    streets coming due within the horizon, worth what cleaning them today saves."""
    end_of_day = _day_start(day, now.tzinfo) + timedelta(days=1)
    result: list[StreetCandidate] = []
    for facts in streets:
        prize = _street_prize(facts, day, now.tzinfo, cleanups, config)
        coming: Part | None = None
        if config.horizon_days > 1 and prize < _own_visit_seconds(facts, config):
            due = coming_due_prize(facts, day, now.tzinfo, cleanups, config)
            if due is not None and due[1] > prize:
                coming = part("coming_due", days=due[0])
                prize = due[1]
        if prize < config.min_prize:
            continue
        expected = level_from_litter(predict(facts.estimate, end_of_day).mean_litter)
        parts = street_reason_parts(facts, day, now, expected, cleanups)
        if coming is not None:
            parts = (coming, *parts)
        result.append(
            StreetCandidate(
                id=facts.street_id,
                district=facts.district,
                lat=facts.lat,
                lon=facts.lon,
                length_m=facts.length_m,
                prize=prize,
                reason=phrase(parts),
                street_id=facts.street_id,
                reason_parts=parts,
            )
        )
    result.sort(key=lambda c: (-c.prize, c.id))
    return result


def stop_candidates(
    bag_stops: Iterable[BagStop],
    bulky_reports: Iterable[BulkyWasteReport],
    now: datetime,
    config: PolicyConfig = PolicyConfig(),
) -> list[StreetCandidate]:
    """Bags waiting and bulky waste: stops that need a particular crew mode."""
    result: list[StreetCandidate] = []
    for stop in bag_stops:
        waited = max(0.0, _days(stop.ready_at, now))
        mode = CrewMode.FOOT if stop.bags <= config.cart_bag_limit else CrewMode.BULKY_TRUCK
        said = (part("bags_waiting", count=stop.bags, **since_params(stop.ready_at, now)),)
        result.append(
            StreetCandidate(
                id=f"bags:{stop.id}",
                district=stop.district,
                lat=stop.lat,
                lon=stop.lon,
                length_m=0.0,
                prize=config.prize_per_bag * stop.bags * (1.0 + config.waiting_growth_per_day * waited),
                reason=phrase(said),
                required_mode=mode,
                service_seconds=config.bag_stop_base_seconds + config.service_seconds_per_bag * stop.bags,
                street_id=stop.street_id,
                reason_parts=said,
            )
        )
    for report in bulky_reports:
        waited = max(0.0, _days(report.reported_at, now))
        since = since_params(report.reported_at, now)
        said = (
            part("bulky_reported_what", description=report.description, **since)
            if report.description
            else part("bulky_reported", **since),
        )
        result.append(
            StreetCandidate(
                id=f"bulky:{report.id}",
                district=report.district,
                lat=report.lat,
                lon=report.lon,
                length_m=0.0,
                prize=config.prize_per_bulky_report * (1.0 + config.waiting_growth_per_day * waited),
                reason=phrase(said),
                required_mode=CrewMode.BULKY_TRUCK,
                service_seconds=config.bulky_stop_seconds,
                street_id=report.street_id,
                reason_parts=said,
            )
        )
    result.sort(key=lambda c: (-c.prize, c.id))
    return result


def day_candidates(
    streets: Iterable[StreetFacts],
    day: date,
    now: datetime,
    cleanups: Sequence[PlannedCleanup] = (),
    bag_stops: Iterable[BagStop] = (),
    bulky_reports: Iterable[BulkyWasteReport] = (),
    config: PolicyConfig = PolicyConfig(),
) -> list[StreetCandidate]:
    """Everything worth routing on ``day``: streets and plain stops, best first."""
    combined = street_candidates(streets, day, now, cleanups, config)
    combined += stop_candidates(bag_stops, bulky_reports, now, config)
    combined.sort(key=lambda c: (-c.prize, c.id))
    return combined
