"""Applying what residents, volunteers and crews did to each street's state and litter estimate.

Every function here runs inside the consumer's transaction, next to the inbox row that makes it
idempotent; none of them commits. Each change of a street's estimate is kept as a snapshot, so a
street's history shows the estimate over time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kernel.errors import Conflict, NotFound
from kernel.events import (
    AdoptionChanged,
    BagsReady,
    CleanupPlanned,
    EventData,
    InspectionRecorded,
    PickLogged,
    ReportFiled,
    ReportWithdrawn,
)
from kernel.responses import from_row
from services.scheduling.dirty import service as dirty
from services.scheduling.dirty.triggers import trigger
from services.scheduling.districts import service as districts
from services.scheduling.planning import estimator
from services.scheduling.planning.levels import Level, level_from_litter
from services.scheduling.state import repository
from services.scheduling.state.models import (
    BagPickup,
    EstimateSnapshot,
    PlannedCleanup,
    StreetAdoption,
    StreetInspection,
    StreetPick,
    StreetReport,
    StreetState,
)
from services.scheduling.state.schemas import StreetDetail, StreetGeometry
from services.scheduling.streets import repository as streets
from services.scheduling.streets.models import Street
from services.scheduling.streets.schemas import LatLon

BULKY_WASTE = "bulky_waste"


def _street(session: Session, street_id: int) -> Street:
    street = streets.get(session, street_id)
    if street is None:
        # The street registry is ours: an event naming an unknown street is a real defect upstream.
        raise NotFound(f"street {street_id} is not in the registry")
    return street


def load_for_batch(session: Session, payloads: Sequence[EventData]) -> tuple[object, ...]:
    """Events applied together find their streets, street states and adoptions in the session, and
    whether their reports and picks were applied before, read with one query each instead of one
    per event (`session.get` then answers from the identity map, as long as the caller holds what
    this returns). Streets the events will give a state for the first time get it here, all in one
    statement: made one by one, each cost a query, an insert, a query again, and a flush of
    everything pending before it."""
    street_ids: set[int] = set()
    report_ids: set[int] = set()
    picks: set[tuple[int, int]] = set()
    for payload in payloads:
        one = getattr(payload, "street_id", None)
        street_ids.update([one] if isinstance(one, int) else getattr(payload, "street_ids", None) or ())
        if isinstance(payload, ReportFiled):
            report_ids.add(payload.report_id)
        elif isinstance(payload, PickLogged):
            picks.update((payload.pick_id, street_id) for street_id in payload.street_ids)
    repository.look_up_applied(session, report_ids, picks)
    if not street_ids:
        return ()
    # read now, not by the first handler: its query would flush that event's changes first, and a
    # street row updated out of order, ahead of the batch's one flush in street order, deadlocks
    # with another batch (PostgreSQL then waits a second to find it, and both are applied again)
    repository.weekday_learner(session)
    ids = sorted(street_ids)
    found = {street.id: street for street in streets.by_ids(session, ids)}
    states = repository.states(session, ids)
    first_seen: dict[int, datetime | None] = {}  # street → its first event's time: the prior's
    for street_id, at in _streets_given_a_state(session, payloads):
        if street_id in found and street_id not in states:
            first_seen.setdefault(street_id, at)
    if first_seen:
        priors = {street_id: _prior(found[street_id], at) for street_id, at in first_seen.items()}
        made = repository.add_states_unless_there(session, [values for values, _ in priors.values()])
        for street_id in sorted(made):
            record_snapshot(session, street_id, priors[street_id][1], "prior")
        states.update(repository.states(session, sorted(first_seen)))
    adoptions = repository.look_up_adoptions(
        session, {s for p in payloads if isinstance(p, PickLogged) for s in p.street_ids}
    )
    return (found, states, adoptions)


def _streets_given_a_state(session: Session, payloads: Sequence[EventData]) -> list[tuple[int, datetime | None]]:
    """(street, the time its prior is taken at) for each event that will make sure its street has
    a state (`ensure_state`), in the order they apply; reports and picks applied before make none."""
    given: list[tuple[int, datetime | None]] = []
    for payload in payloads:
        if isinstance(payload, ReportFiled) and not repository.report_filed_before(session, payload.report_id):
            given.append((payload.street_id, payload.filed_at))
        elif isinstance(payload, PickLogged):
            given.extend(
                (street_id, payload.picked_at)
                for street_id in payload.street_ids
                if not repository.pick_exists(session, payload.pick_id, street_id)
            )
        elif isinstance(payload, InspectionRecorded):
            given.append((payload.street_id, payload.inspected_at))
        elif isinstance(payload, AdoptionChanged):
            given.append((payload.street_id, None))
    return given


def _prior(street: Street, at: datetime | None) -> tuple[dict[str, Any], estimator.StreetEstimate]:
    """A new state row's values for the street, from its kind's prior at ``at`` (now when None)."""
    estimate = estimator.prior(street.kind, street.length_m, at or datetime.now(UTC))
    values = {
        "street_id": street.id,
        "estimate": estimate.to_dict(),
        "estimated_level": str(estimator.expected_level(estimate, estimate.as_of)),
    }
    return values, estimate


def ensure_state(session: Session, street: Street, at: datetime | None = None) -> StreetState:
    state = repository.state_for(session, street.id)
    if state is None:
        values, estimate = _prior(street, at)
        state, made = repository.add_state_unless_there(session, values)
        if made:
            record_snapshot(session, street.id, estimate, "prior")
    return state


def update_estimate(
    session: Session, state: StreetState, new_estimate: estimator.StreetEstimate, cause: str
) -> EstimateSnapshot | None:
    """Store the new estimate and append it to the street's estimate history (the snapshot added)."""
    if new_estimate.to_dict() == state.estimate:
        return None
    _store(state, new_estimate, datetime.now(UTC))
    return record_snapshot(session, state.street_id, new_estimate, cause)


def _store(state: StreetState, estimate: estimator.StreetEstimate, now: datetime) -> None:
    state.estimate = estimate.to_dict()
    state.estimated_level = str(estimator.expected_level(estimate, now))


def current_estimate(state: StreetState) -> estimator.StreetEstimate:
    return estimator.StreetEstimate.from_dict(state.estimate)


def _before(session: Session, state: StreetState, street: Street) -> estimator.StreetEstimate:
    """The street's estimate, predicting with the weekday factors learnt for its kind."""
    factors = repository.weekday_learner(session).factors(street.kind)
    return estimator.with_weekday_factors(current_estimate(state), factors)


def _learn(
    session: Session, street: Street, before: estimator.StreetEstimate, after: estimator.StreetEstimate
) -> estimator.BuildUpEvidence | None:
    """A measurement of the street's litter some days after it was last well known teaches the
    weekday factors of its kind; returns what it learnt."""
    evidence = estimator.build_up_evidence(before, after)
    if evidence is not None:
        repository.add_weekday_evidence(session, street.kind, evidence)
    return evidence


def record_snapshot(
    session: Session, street_id: int, estimate: estimator.StreetEstimate, cause: str
) -> EstimateSnapshot:
    """Append the estimate as it stands after ``cause`` (prior, report, pick, inspection, visit)."""
    snapshot = EstimateSnapshot(
        street_id=street_id,
        at=estimate.as_of,
        mean_litter=round(estimate.mean_litter, 4),
        sd_litter=round(estimate.sd_litter, 4),
        rate_mean=round(estimate.rate_mean, 4),
        level=str(level_from_litter(estimate.mean_litter)),
        cause=cause,
    )
    session.add(snapshot)
    return snapshot


def record_inspection(session: Session, inspection_id: int, street_id: int, level: str, at: datetime) -> None:
    if repository.inspection(session, inspection_id) is None:
        session.add(StreetInspection(inspection_id=inspection_id, street_id=street_id, level=level, inspected_at=at))


def apply_report_filed(session: Session, data: ReportFiled) -> None:
    street = _street(session, data.street_id)
    if repository.report_filed_before(session, data.report_id):
        return
    session.add(
        StreetReport(
            report_id=data.report_id,
            street_id=street.id,
            category=data.category,
            severity=data.severity,
            lat=data.lat,
            lon=data.lon,
            filed_at=data.filed_at,
            duplicate_of=data.duplicate_of,
            status=repository.OPEN,
        )
    )
    state = ensure_state(session, street, data.filed_at)
    state.last_report_at = max(filter(None, [state.last_report_at, data.filed_at]))
    if data.duplicate_of is None:  # "me too" reports confirm, they do not add litter
        update_estimate(
            session,
            state,
            estimator.observe_report(_before(session, state, street), data.filed_at, data.severity),
            "report",
        )
    dirty.mark_dirty(session, trigger("reported", category=data.category, street=street.name))


def learn_from_quiet_day(session: Session, day: date, tz: ZoneInfo) -> int:
    """The night after ``day``: every street nobody reported that day learns from the silence
    (:func:`estimator.observe_quiet_day`, the function the simulator calls at each day's end).

    Streets not tracked yet start from their kind's prior. Safe to repeat: a street whose estimate
    already reaches the day's end is left alone, and a missed night is made up by the next one
    (the silence counts from each street's last event). A snapshot is kept only where the silence
    changes the street's level, so the history does not grow by one row per street a night.
    Returns how many streets learnt."""
    day_start = datetime.combine(day, datetime.min.time(), tz)
    end_of_day = datetime.combine(day, estimator.QUIET_DAY_ENDS, tz)
    learner = repository.weekday_learner(session)
    factors: dict[str, tuple[float, ...]] = {}
    states = repository.states(session)
    now = datetime.now(UTC)
    learnt = 0
    for street in streets.all_streets(session):
        state = states.get(street.id) or ensure_state(session, street, end_of_day)
        if state.last_report_at is not None and state.last_report_at >= day_start:
            continue
        current = current_estimate(state)
        if current.as_of >= end_of_day:
            continue
        if street.kind not in factors:
            factors[street.kind] = learner.factors(street.kind)
        before = estimator.with_weekday_factors(current, factors[street.kind])
        after = estimator.observe_quiet_day(before, end_of_day, street.kind)
        _store(state, after, now)
        if level_from_litter(after.mean_litter) != level_from_litter(estimator.predict(before, end_of_day).mean_litter):
            record_snapshot(session, street.id, after, "quiet")
        learnt += 1
    if learnt:
        dirty.mark_dirty(session, trigger("quiet_day_learnt"))
    return learnt


def yesterday(tz: ZoneInfo, now: datetime | None = None) -> date:
    return dirty.today(tz, now) - timedelta(days=1)


def apply_report_withdrawn(session: Session, data: ReportWithdrawn) -> None:
    report = repository.report(session, data.report_id)
    if report is not None and report.status == repository.OPEN:
        report.status = "withdrawn"
        if report.category == BULKY_WASTE:
            dirty.mark_dirty(session, trigger("bulky_withdrawn"))


def apply_pick_logged(session: Session, data: PickLogged) -> None:
    for street_id in data.street_ids:
        street = _street(session, street_id)
        if repository.pick_exists(session, data.pick_id, street_id):
            continue
        session.add(
            StreetPick(
                pick_id=data.pick_id,
                street_id=street_id,
                picked_at=data.picked_at,
                bags=data.bags,
                minutes=data.minutes,
            )
        )
        state = ensure_state(session, street, data.picked_at)
        state.last_picked_at = max(filter(None, [state.last_picked_at, data.picked_at]))
        before = _before(session, state, street)
        after = estimator.observe_pick(before, data.picked_at, data.bags, data.minutes)
        _learn(session, street, before, after)
        update_estimate(session, state, after, "pick")
        for adoption in repository.adoptions_for(session, street_id):
            if adoption.last_pick_at is None or adoption.last_pick_at < data.picked_at:
                adoption.last_pick_at = data.picked_at
    dirty.mark_dirty(session, trigger("pick_logged"))


def apply_adoption_changed(session: Session, data: AdoptionChanged) -> None:
    street = _street(session, data.street_id)
    ensure_state(session, street)
    adoption = repository.adoption(session, data.adoption_id)
    if adoption is None:
        adoption = StreetAdoption(adoption_id=data.adoption_id, street_id=street.id)
        repository.add_adoption(session, adoption)
    adoption.volunteer_id = data.volunteer_id
    adoption.team_id = data.team_id
    adoption.rhythm = data.rhythm
    adoption.status = data.status
    adoption.started_on = data.started_on
    adoption.paused_until = data.paused_until
    if data.last_pick_at and (adoption.last_pick_at is None or adoption.last_pick_at < data.last_pick_at):
        adoption.last_pick_at = data.last_pick_at
    dirty.mark_dirty(session, trigger(f"adoption_{data.status}", street=street.name))


def apply_inspection(session: Session, data: InspectionRecorded) -> None:
    street = _street(session, data.street_id)
    state = ensure_state(session, street, data.inspected_at)
    state.last_inspected_at = data.inspected_at
    state.last_inspection_level = data.level
    record_inspection(session, data.inspection_id, street.id, data.level, data.inspected_at)
    before = _before(session, state, street)
    after = estimator.observe_inspection(before, data.inspected_at, Level.parse(data.level))
    _learn(session, street, before, after)
    update_estimate(session, state, after, "inspection")
    dirty.mark_dirty(session, trigger("inspected", street=street.name, level=data.level))


def apply_cleanup_planned(session: Session, data: CleanupPlanned) -> None:
    for street_id in data.street_ids:
        _street(session, street_id)
        cleanup = repository.cleanup(session, data.session_id, street_id)
        if cleanup is None:
            cleanup = PlannedCleanup(session_id=data.session_id, street_id=street_id)
            session.add(cleanup)
        cleanup.starts_at = data.starts_at
        cleanup.ends_at = data.ends_at
        cleanup.status = data.status
    tz = dirty.city_timezone(session)
    day = data.starts_at.astimezone(tz).date()
    dirty.mark_dirty(session, trigger(f"cleanup_{data.status}"), days={*dirty.default_days(session), day})


def apply_bags_ready(session: Session, data: BagsReady) -> None:
    _street(session, data.street_id)
    if repository.bag_pickup(session, data.request_id) is None:
        session.add(
            BagPickup(
                request_id=data.request_id,
                street_id=data.street_id,
                lat=data.lat,
                lon=data.lon,
                bags=data.bags,
                ready_at=data.ready_at,
            )
        )
        dirty.mark_dirty(session, trigger("bags_ready", count=data.bags))


def record_visit(
    session: Session,
    street_id: int,
    at: datetime,
    *,
    level_found: Level | None = None,
    bags: int | None = None,
) -> dict[str, Any]:
    """A crew cleaned the street: its estimate is reset like a clean, after what the crew saw on
    arrival (the CROW level found, else the bags filled) is taken as a measurement of the litter
    before the clean. Returns what :func:`undo_visit` needs to take the clean back (the state
    before, the snapshot added)."""
    street = streets.get(session, street_id)
    assert street is not None
    state = ensure_state(session, street, at)
    before = {
        "estimate": dict(state.estimate),
        "last_visited_at": state.last_visited_at.isoformat() if state.last_visited_at else None,
    }
    estimate_before = _before(session, state, street)
    after = estimator.observe_visit(estimate_before, at, bags=bags, level_found=level_found)
    learnt = _learn(session, street, estimate_before, after)
    snapshot = update_estimate(session, state, after, "visit")
    state.last_visited_at = max(filter(None, [state.last_visited_at, at]))
    session.flush()
    return {
        **before,
        "estimate_after": dict(state.estimate),
        "snapshot_id": snapshot.id if snapshot else None,
        "weekday_evidence": {"kind": street.kind, **learnt.to_dict()} if learnt is not None else None,
    }


def undo_visit(session: Session, street_id: int, undo: dict[str, Any]) -> None:
    """Take back a clean recorded by :func:`record_visit` by mistake: the estimate and last visit
    as they were before, what it taught the weekday factors forgotten, and the clean's snapshot
    gone from the street's history. Refused when
    the estimate changed since (a report, pick or inspection came in after the clean): restoring
    the old estimate would then lose that observation too."""
    state = repository.state_for(session, street_id)
    if state is None:
        return
    if state.estimate != undo.get("estimate_after"):
        raise Conflict(
            "the street's estimate changed after the visit was marked done (a report, pick or inspection "
            "came in), so the clean cannot be taken back; record an inspection of the street instead",
            code="estimate_changed",
        )
    restored = estimator.StreetEstimate.from_dict(undo["estimate"])
    learnt = undo.get("weekday_evidence")
    if learnt:
        evidence = estimator.BuildUpEvidence.from_dict(learnt)
        repository.add_weekday_evidence(session, str(learnt["kind"]), evidence, forget=True)
    state.estimate = dict(undo["estimate"])
    state.estimated_level = str(estimator.expected_level(restored, datetime.now(UTC)))
    last = undo.get("last_visited_at")
    state.last_visited_at = datetime.fromisoformat(last) if last else None
    snapshot_id = undo.get("snapshot_id")
    if snapshot_id is not None:
        snapshot = repository.snapshot(session, snapshot_id)
        if snapshot is not None:
            session.delete(snapshot)


def reopen_reports(session: Session, report_ids: list[int]) -> None:
    """Reports a done resolved, open again (those resolved since by something else stay so too)."""
    for report_id in report_ids:
        report = repository.report(session, report_id)
        if report is not None and report.status == "resolved":
            report.status = repository.OPEN


def resolve_open_reports(session: Session, street_id: int, except_category: str) -> list[int]:
    """A crew cleaned the street: its open reports (but those of ``except_category``) are resolved;
    returns their ids."""
    resolved = []
    for report in repository.open_reports_on(session, street_id, except_category):
        report.status = "resolved"
        resolved.append(report.report_id)
    return resolved


def resolve_report(session: Session, report_id: int) -> None:
    """A crew took care of this report (bulky waste collected): resolved if it was still open."""
    report = repository.report(session, report_id)
    if report is not None and report.status == repository.OPEN:
        report.status = "resolved"


def collect_bags(session: Session, request_id: int, at: datetime) -> None:
    """A crew collected the bags (once: the first collection time stays)."""
    bag = repository.bag_pickup(session, request_id)
    if bag is not None and bag.collected_at is None:
        bag.collected_at = at


def uncollect_bags(session: Session, request_id: int, at: datetime) -> None:
    """The bags collected at ``at`` were not collected after all: waiting again."""
    bag = repository.bag_pickup(session, request_id)
    if bag is not None and bag.collected_at == at:
        bag.collected_at = None


def street_detail(session: Session, street_id: int) -> StreetDetail:
    """Everything the street page shows about a street's current state."""
    street = _street(session, street_id)
    state = repository.state_for(session, street_id)
    now = datetime.now(UTC)
    level = str(estimator.expected_level(current_estimate(state), now)) if state else "B"
    adopters = repository.active_adopter_count(session, street_id)
    cleaned = [t for t in (state.last_picked_at, state.last_visited_at) if t] if state else []
    return from_row(
        StreetDetail,
        street,
        centroid=LatLon(lat=street.centroid_lat, lon=street.centroid_lon),
        geometry=StreetGeometry(type="LineString", coordinates=street.coordinates),
        open_reports=repository.open_report_count(session, street_id),
        estimated_level=level,
        target_level=str(districts.target_for(session, street.district)),
        adopted=adopters > 0,
        adopters=adopters,
        last_cleaned_at=max(cleaned) if cleaned else None,
        last_picked_at=state.last_picked_at if state else None,
        last_visited_at=state.last_visited_at if state else None,
        last_report_at=state.last_report_at if state else None,
    )


@dataclass(frozen=True)
class StreetLevel:
    """A street as the dispatcher's map and work queue see it now."""

    id: int
    name: str
    district: str
    kind: str
    length_m: float
    lat: float
    lon: float
    level: Level
    target: Level
    adopted: bool
    open_reports: int

    @property
    def steps_below_target(self) -> int:
        """How many CROW steps dirtier than its target it is expected to be (0 at or above it)."""
        return max(0, self.level.rank - self.target.rank)

    def properties(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "district": self.district,
            "kind": self.kind,
            "length_m": self.length_m,
            "level": str(self.level),
            "target": str(self.target),
            "adopted": self.adopted,
            "open_reports": self.open_reports,
        }


def street_levels(session: Session, box: streets.Box | None = None) -> list[StreetLevel]:
    """Every street whose centroid lies in ``box`` (every street without one) with the level expected
    now, its target, whether an adoption covers it and its open reports; no geometry is read."""
    among = streets.ids_in(box) if box is not None else None
    states = repository.states(session, among)
    adopted = repository.adopted_street_ids(session, among)
    open_reports = repository.open_report_counts(session, among)
    targets = districts.targets(session)
    now = datetime.now(UTC)
    result = []
    for street_id, name, district, kind, length_m, lat, lon in streets.summaries(session, box):
        state = states.get(street_id)
        result.append(
            StreetLevel(
                street_id,
                name,
                district,
                kind,
                length_m,
                lat,
                lon,
                estimator.expected_level(current_estimate(state), now) if state else Level.B,
                targets.get(district, Level.B),
                street_id in adopted,
                int(open_reports.get(street_id, 0)),
            )
        )
    return result


def street_map(session: Session, box: streets.Box | None = None, limit: int | None = None) -> dict[str, object]:
    """The streets whose centroid lies in ``box`` (all without one) as GeoJSON with the level expected
    now, the target, adoption and open reports. Past ``limit`` the worst below their target come
    first (then the longest): a whole city's view shows what needs a crew, and ``truncated`` says
    that zooming in shows the rest."""
    levels = street_levels(session, box)
    truncated = limit is not None and len(levels) > limit
    if truncated:
        levels = sorted(levels, key=lambda s: (-s.steps_below_target, -s.level.rank, -s.length_m, s.id))[:limit]
        levels.sort(key=lambda s: s.id)
    lines = streets.coordinates_of(session, [s.id for s in levels])
    features = [
        {
            "type": "Feature",
            "id": s.id,
            "geometry": {"type": "LineString", "coordinates": lines[s.id]},
            "properties": s.properties(),
        }
        for s in levels
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}
