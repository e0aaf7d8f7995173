"""Reading what the planner needs for a day from the service's tables into the planning engine's values.

Candidate ids: a street is its id (``"12"``), a bag pick-up ``"bags:<request id>"``, a bulky-waste
report ``"bulky:<report id>"``; each candidate's ``street_id`` is the street it lies on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.scheduling.crews import service as crews
from services.scheduling.dirty import service as dirty
from services.scheduling.districts import service as districts
from services.scheduling.planning import coverage, effort, engine, estimator, policy, reasons
from services.scheduling.planning.levels import DEFAULT_TARGET, Level, level_from_litter
from services.scheduling.planning.routing import (
    Crew,
    CrewRoute,
    DayPlan,
    PlannedVisit,
    StreetCandidate,
)
from services.scheduling.plans import repository
from services.scheduling.plans.models import PlanEntry, PlanVersion, Visit
from services.scheduling.state import repository as state_records
from services.scheduling.state.models import StreetAdoption
from services.scheduling.streets import repository as streets

BULKY_WASTE = "bulky_waste"
REPORT_MEMORY_DAYS = 30
PICK_MEMORY_DAYS = 365
"""Logged picks this recent teach an adopter's rhythm (coverage keeps the latest few)."""
FIXED_STATUSES = ("started", "done")


@dataclass
class CandidateMeta:
    street_id: int
    kind: str
    lat: float
    lon: float
    bag_request_id: int | None = None
    report_id: int | None = None


@dataclass(frozen=True)
class Slot:
    """A visit's place on one version of a day's plan: what the diff between versions compares."""

    candidate_id: str
    visit_id: int
    street_id: int
    crew_id: int
    position: int
    reason: str
    reason_parts: tuple[reasons.Part, ...] = ()

    @classmethod
    def of(cls, entry: PlanEntry, visit: Visit) -> Slot:
        return cls(
            visit.candidate_id,
            visit.id,
            visit.street_id,
            entry.crew_id,
            entry.position,
            entry.reason,
            reasons.parts_from(entry.reason_parts),
        )


@dataclass
class DayInputs:
    day: date
    now: datetime
    tz: ZoneInfo
    crews: list[Crew]
    crew_info: dict[str, dict[str, Any]]
    facts: list[policy.StreetFacts]
    cleanups: list[coverage.PlannedCleanup]
    bag_stops: list[policy.BagStop]
    bulky_reports: list[policy.BulkyWasteReport]
    taken: frozenset[str]
    """Candidates done or under way today (on whatever crew): not offered again."""
    meta: dict[str, CandidateMeta]
    fixed: dict[str, list[StreetCandidate]]
    previous: DayPlan | None
    previous_version: int
    previous_entries: list[Slot]
    generation: int | None
    street_names: dict[int, str]
    level_counts: Counter[str] = field(default_factory=Counter)
    covered_share: float = 0.0
    baseline_hours: dict[str, float] = field(default_factory=dict)
    """Crew hours a day per district the city works from (set per week by a dispatcher, or the average)."""

    @cached_property
    def candidates(self) -> list[StreetCandidate]:
        """What the effort rule offers the router on this day (the engine's own function)."""
        return engine.candidates_for_day(
            self.facts,
            self.day,
            self.now,
            cleanups=self.cleanups,
            bag_stops=self.bag_stops,
            bulky_reports=self.bulky_reports,
            exclude=self.taken,
        )


def _adoption(row: StreetAdoption, day: date, tz: ZoneInfo, picks: Sequence[datetime] = ()) -> coverage.Adoption | None:
    if row.status == "ended":
        return None
    status = {
        "active": coverage.AdoptionStatus.ACTIVE,
        "paused": coverage.AdoptionStatus.PAUSED,
        "lapsed": coverage.AdoptionStatus.LAPSED,
    }.get(row.status, coverage.AdoptionStatus.LAPSED)
    if status is coverage.AdoptionStatus.PAUSED and row.paused_until is not None and row.paused_until < day:
        status = coverage.AdoptionStatus.ACTIVE
    return coverage.Adoption(
        street_id=str(row.street_id),
        rhythm=coverage.Rhythm(row.rhythm),
        status=status,
        started_at=datetime.combine(row.started_on, time(0), tzinfo=tz),
        last_pick_at=row.last_pick_at,
        pick_times=tuple(picks),
    )


def load(session: Session, day: date, now: datetime | None = None) -> DayInputs:
    """Everything needed to plan ``day``, read in one transaction; no solver work here."""
    tz = dirty.city_timezone(session)
    now = (now or datetime.now(UTC)).astimezone(tz)
    crew_list, records = crews.crews_on_duty(session, day, tz)
    crew_info = {
        crew.id: {
            "id": int(crew.id),
            "name": crew.name,
            "mode": crew.mode.value,
            "size": crew.size,
            "depot_lat": crew.depot_lat,
            "depot_lon": crew.depot_lon,
            "shift_start": crew.shift_start.isoformat(),
            "shift_end": crew.shift_end.isoformat(),
            "district": records[crew.id].district,
        }
        for crew in crew_list
    }
    targets = districts.targets(session)
    states = state_records.states(session)
    adoptions: dict[int, list[coverage.Adoption]] = defaultdict(list)
    picks: dict[int, list[datetime]] = defaultdict(list)
    for street_id, picked_at in state_records.pick_times_since(session, now - timedelta(days=PICK_MEMORY_DAYS)):
        picks[street_id].append(picked_at)
    for row in state_records.adoptions(session):
        adoption = _adoption(row, day, tz, picks.get(row.street_id, ()))
        if adoption is not None:
            adoptions[row.street_id].append(adoption)
    report_times: dict[int, list[datetime]] = defaultdict(list)
    for report in state_records.reports_since(session, now - timedelta(days=REPORT_MEMORY_DAYS)):
        report_times[report.street_id].append(report.filed_at)

    facts: list[policy.StreetFacts] = []
    meta: dict[str, CandidateMeta] = {}
    names: dict[int, str] = {}
    levels: Counter[str] = Counter()
    covered = 0
    all_streets = streets.all_streets(session)
    # a street nobody has seen yet is the city's average on the plan day's morning, so its plan does
    # not move with the hour it is made at (a prior anchored at "now" shrank every afternoon re-plan,
    # and made tomorrow's plan leaner the later in the evening it was made)
    unseen_since = datetime.combine(day, time(0), tzinfo=tz)
    weekdays = state_records.weekday_learner(session).all_factors(sorted({street.kind for street in all_streets}))
    district_of: dict[int, str] = {}
    for street in all_streets:
        names[street.id] = street.name
        district_of[street.id] = street.district
        state = states.get(street.id)
        estimate = (
            estimator.StreetEstimate.from_dict(state.estimate)
            if state is not None
            else estimator.prior(street.kind, street.length_m, unseen_since)
        )
        estimate = estimator.with_weekday_factors(estimate, weekdays[street.kind])
        levels[str(level_from_litter(estimator.predict(estimate, now).mean_litter))] += 1
        street_adoptions = tuple(adoptions.get(street.id, ()))
        if coverage.street_coverage(str(street.id), day, street_adoptions).covered:
            covered += 1
        inspection = None
        if state is not None and state.last_inspected_at and state.last_inspection_level:
            inspection = (state.last_inspected_at, Level.parse(state.last_inspection_level))
        facts.append(
            policy.StreetFacts(
                street_id=str(street.id),
                district=street.district,
                lat=street.centroid_lat,
                lon=street.centroid_lon,
                length_m=street.length_m,
                estimate=estimate,
                target=targets.get(street.district, DEFAULT_TARGET),
                last_pick_at=state.last_picked_at if state else None,
                last_visit_at=state.last_visited_at if state else None,
                last_inspection=inspection,
                report_times=tuple(sorted(report_times.get(street.id, ()))),
                adoptions=street_adoptions,
                name=street.name,
                kind=street.kind,
            )
        )
        meta[str(street.id)] = CandidateMeta(street.id, "clean", street.centroid_lat, street.centroid_lon)

    day_start = datetime.combine(day, time(0), tzinfo=tz)
    cleanups_by_session: dict[int, set[str]] = defaultdict(set)
    for cleanup in state_records.cleanups_between(session, day_start, day_start + timedelta(days=1)):
        cleanups_by_session[cleanup.session_id].add(str(cleanup.street_id))
    cleanups = [
        coverage.PlannedCleanup(frozenset(ids), day, name=f"clean-up {sid}")
        for sid, ids in sorted(cleanups_by_session.items())
    ]
    bag_stops = []
    for bag in state_records.waiting_bags(session):
        bag_stops.append(
            policy.BagStop(
                str(bag.request_id),
                str(bag.street_id),
                district_of.get(bag.street_id, ""),
                bag.lat,
                bag.lon,
                bag.bags,
                bag.ready_at,
            )
        )
        meta[f"bags:{bag.request_id}"] = CandidateMeta(bag.street_id, "bags", bag.lat, bag.lon, bag.request_id)
    bulky = []
    for report in state_records.open_bulky_reports(session, BULKY_WASTE):
        bulky.append(
            policy.BulkyWasteReport(
                str(report.report_id),
                str(report.street_id),
                district_of.get(report.street_id, ""),
                report.lat,
                report.lon,
                report.filed_at,
            )
        )
        meta[f"bulky:{report.report_id}"] = CandidateMeta(
            report.street_id, "bulky", report.lat, report.lon, report_id=report.report_id
        )

    # what is done or under way stays: fixed at the start of its crew's route
    visits = repository.visits_by_candidate(session, day)
    latest = repository.latest_version(session, day)
    fixed: dict[str, list[StreetCandidate]] = defaultdict(list)
    previous_routes: dict[str, list[PlannedVisit]] = defaultdict(list)
    previous_entries: list[Slot] = []
    length_of = {s.id: s.length_m for s in all_streets}
    if latest is not None:
        for entry, visit in repository.entries(session, latest.id):
            crew_key = str(entry.crew_id)
            is_fixed = visit.status in FIXED_STATUSES
            previous_entries.append(Slot.of(entry, visit))
            previous_routes[crew_key].append(
                PlannedVisit(
                    candidate_id=visit.candidate_id,
                    street_id=str(visit.street_id),
                    reason=entry.reason,
                    reason_parts=reasons.parts_from(entry.reason_parts),
                    eta=entry.eta,
                    seconds_after_shift_start=0,
                    service_seconds=entry.service_seconds,
                    prize=entry.prize,
                    fixed=is_fixed,
                )
            )
            if is_fixed and crew_key in crew_info:
                fixed[crew_key].append(
                    StreetCandidate(
                        id=visit.candidate_id,
                        district=district_of.get(visit.street_id, ""),
                        lat=visit.lat,
                        lon=visit.lon,
                        length_m=length_of.get(visit.street_id, 0.0) if visit.kind == "clean" else 0.0,
                        prize=entry.prize,
                        reason=entry.reason,
                        service_seconds=entry.service_seconds,
                        street_id=str(visit.street_id),
                        reason_parts=reasons.parts_from(entry.reason_parts),
                    )
                )
                meta[visit.candidate_id] = CandidateMeta(
                    visit.street_id, visit.kind, visit.lat, visit.lon, visit.bag_request_id, visit.report_id
                )
    # anything done or under way today (on whatever crew) is not offered again
    taken = frozenset(cid for cid, visit in visits.items() if visit.status in FIXED_STATUSES)
    # the dispatcher's word: pins are fixed visits of their crews, drops are not offered
    pinned, dropped = _directives(session, day, latest, taken, crew_info, meta, district_of, length_of)
    for crew_key, pins in pinned.items():
        fixed[crew_key].extend(pins)
    taken = taken | dropped
    previous = None
    if previous_routes:
        previous = DayPlan(
            routes={
                crew_id: CrewRoute(crew_id, tuple(route), 0, 0, route[-1].eta if route else now)
                for crew_id, route in previous_routes.items()
            },
            dropped=(),
            prize_collected=0.0,
            prize_available=0.0,
        )
    return DayInputs(
        day=day,
        now=now,
        tz=tz,
        crews=crew_list,
        crew_info=crew_info,
        facts=facts,
        cleanups=cleanups,
        bag_stops=bag_stops,
        bulky_reports=bulky,
        taken=taken,
        meta=meta,
        fixed=dict(fixed),
        previous=previous,
        previous_version=latest.version if latest else 0,
        previous_entries=previous_entries,
        generation=dirty.generation(session, day),
        street_names=names,
        level_counts=levels,
        covered_share=covered / len(all_streets) if all_streets else 0.0,
        baseline_hours={
            **effort.average_baseline_hours(facts),
            **{d: hours / 7.0 for d, hours in districts.baselines_per_week(session).items()},
        },
    )


def _directives(
    session: Session,
    day: date,
    latest: PlanVersion | None,
    taken: frozenset[str],
    crew_info: dict[str, dict[str, Any]],
    meta: dict[str, CandidateMeta],
    district_of: dict[int, str],
    length_of: dict[int, float],
) -> tuple[dict[str, list[StreetCandidate]], frozenset[str]]:
    """The day's pins as fixed visits per crew (in the order the crew had them, then the order they
    were pinned), and the dropped candidate ids. A pin is skipped (the candidate planned freely)
    when its crew is not on duty, the visit is already done or under way, or it is no longer
    needed (bags collected, bulky waste resolved: no candidate meta)."""
    rows = repository.directives(session, day)
    dropped = frozenset(r.candidate_id for r in rows if r.kind == "drop")
    pins = [r for r in rows if r.kind == "pin" and r.candidate_id not in taken]
    if not pins:
        return {}, dropped
    entries: dict[str, PlanEntry] = {}
    if latest is not None:
        entries = {visit.candidate_id: entry for entry, visit in repository.entries(session, latest.id)}
    result: dict[str, list[tuple[tuple[int, int], StreetCandidate]]] = defaultdict(list)
    for row in pins:
        crew_key = str(row.crew_id)
        info = meta.get(row.candidate_id)
        if crew_key not in crew_info or info is None:
            continue
        entry = entries.get(row.candidate_id)
        if entry is None and row.moved_from is not None:
            origin = repository.visit_on(session, row.moved_from, row.candidate_id)
            before = repository.latest_version(session, row.moved_from)
            if origin is not None and before is not None:
                entry = repository.on_version(session, before.id, origin.id)
        same_crew = entry is not None and entry.crew_id == row.crew_id and row.candidate_id in entries
        order = (entry.position if same_crew and entry is not None else 10_000, row.id)
        if entry is not None:
            reason, parts = entry.reason, reasons.parts_from(entry.reason_parts)
        else:
            said = (
                reasons.part("moved_here", **{"from": row.moved_from.isoformat()})
                if row.moved_from
                else reasons.part("pinned")
            )
            reason, parts = reasons.text(said), (said,)
        result[crew_key].append(
            (
                order,
                StreetCandidate(
                    id=row.candidate_id,
                    district=district_of.get(info.street_id, ""),
                    lat=info.lat,
                    lon=info.lon,
                    length_m=length_of.get(info.street_id, 0.0) if info.kind == "clean" else 0.0,
                    prize=entry.prize if entry is not None else 0.0,
                    reason=reason,
                    reason_parts=parts,
                    # a street's time on site is worked out for the crew it is pinned to; a stop keeps its own
                    service_seconds=None if info.kind == "clean" else (entry.service_seconds if entry else 600),
                    street_id=str(info.street_id),
                ),
            )
        )
    return {crew: [c for _o, c in sorted(items, key=lambda x: x[0])] for crew, items in result.items()}, dropped
