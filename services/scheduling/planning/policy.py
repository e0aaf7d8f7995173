"""The effort policy: which streets and stops are worth a crew visit on a day, and why.

Working from the average (DESIGN.md): crew effort goes where the expected
shortfall below target is largest *and nobody else will act*.  For a street

    prize = effort_level · seconds_per_shortfall_metre · E[max(0, L − b)] · (1 − p_cover) · length_m · weight

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
"no pick logged for 3 weeks on a weekly adoption; 2 reports since Monday; expected level C".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .coverage import Adoption, AdoptionStatus, PlannedCleanup, days_without_pick, street_coverage
from .estimator import StreetEstimate, expected_shortfall, predict
from .levels import DEFAULT_TARGET, Level, level_from_litter
from .routing import CrewMode, StreetCandidate

__all__ = [
    "BagStop",
    "BulkyWasteReport",
    "PolicyConfig",
    "StreetFacts",
    "day_candidates",
    "humanize_days",
    "stop_candidates",
    "street_candidates",
    "street_reason",
]

INSPECTION_MEMORY_DAYS = 30


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
    crew_shift_seconds: int = 1800
    """What sending a crew out costs on top of its route (briefing, loading, the walk or drive
    out): a crew whose work would not be worth this stays home."""
    lookahead_days: float = 1.0
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


def humanize_days(days: float) -> str:
    """'5 days', '3 weeks', '2 months': how a dispatcher says a span."""
    whole = int(days)
    if whole < 1:
        return "less than a day"
    if whole == 1:
        return "1 day"
    if whole < 14:
        return f"{whole} days"
    if whole < 60:
        return f"{whole // 7} weeks"
    return f"{whole // 30} months"


def _since_phrase(moment: datetime, now: datetime) -> str:
    """'today', 'yesterday', 'Monday', '3 May': when something started, relative to now."""
    local = moment.astimezone(now.tzinfo) if moment.tzinfo and now.tzinfo else moment
    days = (now.date() - local.date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return local.strftime("%A")
    return f"{local.day} {local.strftime('%b')}"


def _days(earlier: datetime, later: datetime) -> float:
    if (earlier.tzinfo is None) != (later.tzinfo is None):
        earlier = earlier.replace(tzinfo=later.tzinfo)
    return (later - earlier).total_seconds() / 86_400.0


def _volunteer_phrase(facts: StreetFacts, day: date, now: datetime) -> str | None:
    active = [a for a in facts.adoptions if a.status is AdoptionStatus.ACTIVE]
    if facts.adoptions and not active:
        statuses = {a.status for a in facts.adoptions}
        return "adopters paused" if AdoptionStatus.PAUSED in statuses else "adoption lapsed"
    if active:
        idle = min(days_without_pick(a, now) for a in active)
        rhythm = min(active, key=lambda a: a.rhythm.days).rhythm
        if idle < rhythm.days:
            return None  # on rhythm: nothing to explain
        if any(a.last_pick_at is not None or a.pick_times for a in active) or facts.last_pick_at is not None:
            return f"no pick logged for {humanize_days(idle)} on a {rhythm.value} adoption"
        return f"adopted {humanize_days(idle)} ago, no pick logged yet"
    if facts.last_pick_at is not None:
        return f"not adopted; last volunteer pick {humanize_days(_days(facts.last_pick_at, now))} ago"
    return "not adopted"


def street_reason(
    facts: StreetFacts,
    day: date,
    now: datetime,
    expected: Level,
    cleanups: Sequence[PlannedCleanup] = (),
) -> str:
    """The facts behind a street's place on the plan, in a dispatcher's words."""
    parts: list[str] = []
    volunteer = _volunteer_phrase(facts, day, now)
    if volunteer:
        parts.append(volunteer)
    if any(c.on == day and facts.street_id in c.street_ids for c in cleanups):
        parts.append("group clean-up planned that day")
    last_clean = max((t for t in (facts.last_pick_at, facts.last_visit_at) if t is not None), default=None)
    reports = sorted(t for t in facts.report_times if last_clean is None or _days(last_clean, t) > 0)
    if reports:
        noun = "report" if len(reports) == 1 else "reports"
        parts.append(f"{len(reports)} {noun} since {_since_phrase(reports[0], now)}")
    if facts.last_visit_at is not None:
        parts.append(f"last crew visit {humanize_days(_days(facts.last_visit_at, now))} ago")
    else:
        parts.append("no crew visit on record")
    if facts.last_inspection is not None:
        inspected_at, level = facts.last_inspection
        if _days(inspected_at, now) <= INSPECTION_MEMORY_DAYS:
            parts.append(f"inspected {level} on {inspected_at.day} {inspected_at.strftime('%b')}")
    parts.append(f"expected level {expected}")
    return "; ".join(parts)


# --- candidates ----------------------------------------------------------------


def _day_start(day: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz or UTC)


def street_candidates(
    streets: Iterable[StreetFacts],
    day: date,
    now: datetime,
    cleanups: Sequence[PlannedCleanup] = (),
    config: PolicyConfig = PolicyConfig(),
) -> list[StreetCandidate]:
    """Streets worth a crew visit on ``day``, best first, each with prize and reason."""
    day_start = _day_start(day, now.tzinfo)
    evaluate_at = day_start + timedelta(days=1.0 + config.lookahead_days)
    end_of_day = day_start + timedelta(days=1)
    result: list[StreetCandidate] = []
    for facts in streets:
        coverage = street_coverage(facts.street_id, day, facts.adoptions, cleanups, until=evaluate_at)
        shortfall = expected_shortfall(facts.estimate, evaluate_at, facts.target)
        net_shortfall_m = shortfall * (1.0 - coverage.probability) * facts.length_m * facts.weight
        prize = config.effort_level * config.seconds_per_shortfall_metre * net_shortfall_m
        if prize < config.min_prize:
            continue
        expected = level_from_litter(predict(facts.estimate, end_of_day).mean_litter)
        result.append(
            StreetCandidate(
                id=facts.street_id,
                district=facts.district,
                lat=facts.lat,
                lon=facts.lon,
                length_m=facts.length_m,
                prize=prize,
                reason=street_reason(facts, day, now, expected, cleanups),
                street_id=facts.street_id,
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
        noun = "bag" if stop.bags == 1 else "bags"
        result.append(
            StreetCandidate(
                id=f"bags:{stop.id}",
                district=stop.district,
                lat=stop.lat,
                lon=stop.lon,
                length_m=0.0,
                prize=config.prize_per_bag * stop.bags * (1.0 + config.waiting_growth_per_day * waited),
                reason=f"{stop.bags} {noun} waiting since {_since_phrase(stop.ready_at, now)}",
                required_mode=mode,
                service_seconds=config.bag_stop_base_seconds + config.service_seconds_per_bag * stop.bags,
                street_id=stop.street_id,
            )
        )
    for report in bulky_reports:
        waited = max(0.0, _days(report.reported_at, now))
        what = f": {report.description}" if report.description else ""
        result.append(
            StreetCandidate(
                id=f"bulky:{report.id}",
                district=report.district,
                lat=report.lat,
                lon=report.lon,
                length_m=0.0,
                prize=config.prize_per_bulky_report * (1.0 + config.waiting_growth_per_day * waited),
                reason=f"bulky waste reported {_since_phrase(report.reported_at, now)}{what}",
                required_mode=CrewMode.BULKY_TRUCK,
                service_seconds=config.bulky_stop_seconds,
                street_id=report.street_id,
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
