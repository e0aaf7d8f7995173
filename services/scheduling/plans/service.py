"""Plans: re-planning a day into a new version with its diff, reading plans, and visits done.

Re-planning (``replan``) runs in three steps so no database transaction stays open while the
solver works (SQLite would refuse the write afterwards if events committed meanwhile):

1. read the inputs (:mod:`inputs`) and the day's dirty generation in one short transaction;
2. plan with :func:`planning.engine.plan_streets` (the effort rule and the router), warm-started
   from the latest version, with the visits already started or done fixed at the start of their crews' routes
   (its sub-problems solved across the planner workers when the settings ask for it, :func:`distribution`);
3. write the new version, its entries and its diff, record ``plan.published`` in the outbox and
   clear the dirty mark unless it was renewed meanwhile, in one transaction.

A per-day Redis lock makes re-plans of one day run one at a time. A dispatcher's "re-plan now"
(``request_replan``) only opens a job (:mod:`replan_jobs`) and marks the day dirty; the planner
takes the day's open jobs in step 1 and closes them in step 3 (or as failed when it fails).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.orm import Session

from kernel import metrics
from kernel.errors import Conflict, NotFound
from kernel.responses import from_row
from services.scheduling.dirty import service as dirty
from services.scheduling.dirty import triggers
from services.scheduling.planning import effort as planning_effort
from services.scheduling.planning import engine, reasons
from services.scheduling.planning.levels import Level
from services.scheduling.planning.network import RoadNetwork
from services.scheduling.planning.policy import DistrictOutlook, PolicyConfig
from services.scheduling.planning.reasons import Part
from services.scheduling.planning.routing import PAID_DAY_SECONDS, Distribution, DroppedCandidate, SolverStop
from services.scheduling.plans import directives, events, inputs, repository, roads
from services.scheduling.plans.inputs import Slot
from services.scheduling.plans.models import PlanChange, PlanEntry, PlanVersion, Visit
from services.scheduling.plans.schemas import VisitOut
from services.scheduling.replan_jobs import service as replan_jobs
from services.scheduling.replan_jobs.models import ReplanJob
from services.scheduling.state import service as state
from services.scheduling.streets import repository as streets

if TYPE_CHECKING:
    from services.scheduling.settings import SchedulingRuntime, SchedulingSettings

log = structlog.get_logger(__name__)

LOCK_KEY = "streetcare:scheduling:replan-lock:"
MAX_DROPPED_KEPT = 300
PLANNABLE_DAYS_BACK = 1
PLANNABLE_DAYS_AHEAD = 14

SubproblemSolver = Callable[[list[dict[str, Any]]], Sequence[Mapping[str, Any] | None]]
"""What the workers hand a re-plan to solve a day's sub-problems elsewhere (a Celery group):
:class:`planning.routing.Distribution`'s ``solve``."""


@dataclass(frozen=True)
class ReplanResult:
    plan_date: date
    version: int | None
    visits: int = 0
    added: int = 0
    removed: int = 0
    reordered: int = 0
    prize_collected: float = 0.0
    prize_available: float = 0.0
    seconds: float = 0.0
    skipped: str | None = None


# --- the diff -------------------------------------------------------------------


def diff(old: Sequence[Slot], new: Sequence[Slot], why_removed: dict[str, Part] | None = None) -> list[dict[str, Any]]:
    """Added, removed, moved to another crew, or re-ordered within the same crew's route.

    Re-ordered means the visit's rank among the visits its crew keeps from the old version
    changed: a visit that only shifts because another was added or removed is not re-ordered.
    """
    why_removed = why_removed or {}
    before = {s.candidate_id: s for s in old}
    after = {s.candidate_id: s for s in new}
    changes: list[dict[str, Any]] = []
    for slot in new:
        prior = before.get(slot.candidate_id)
        if prior is None:
            changes.append(_change("added", slot, None))
        elif prior.crew_id != slot.crew_id:
            changes.append(_change("moved", slot, prior))
    for slot in old:
        if slot.candidate_id not in after:
            why = why_removed.get(slot.candidate_id, reasons.part("no_longer_needed_today"))
            changes.append(_change("removed", slot, slot, (why,), to_crew=False))
    crews = {s.crew_id for s in new}
    for crew_id in sorted(crews):
        kept_new = [s for s in new if s.crew_id == crew_id and s.candidate_id in before]
        kept_old = [s for s in old if s.crew_id == crew_id and s.candidate_id in after]
        kept_old = [s for s in kept_old if after[s.candidate_id].crew_id == crew_id]
        kept_new = [s for s in kept_new if before[s.candidate_id].crew_id == crew_id]
        old_rank = {s.candidate_id: rank for rank, s in enumerate(kept_old)}
        for rank, slot in enumerate(kept_new):
            if old_rank.get(slot.candidate_id) != rank:
                changes.append(_change("reordered", slot, before[slot.candidate_id]))
    return changes


def _change(
    kind: str, slot: Slot, prior: Slot | None, why: tuple[Part, ...] | None = None, to_crew: bool = True
) -> dict[str, Any]:
    """One line of the diff; its reason is the visit's own (``why``: the parts of a removal's)."""
    reason, parts = (reasons.phrase(why), why) if why is not None else (slot.reason, slot.reason_parts)
    return {
        "change": kind,
        "visit_id": slot.visit_id,
        "candidate_id": slot.candidate_id,
        "street_id": slot.street_id,
        "crew_id": slot.crew_id if to_crew else None,
        "from_crew_id": prior.crew_id if prior else None,
        "from_position": prior.position if prior else None,
        "to_position": slot.position if to_crew else None,
        "reason": reason[:500],
        "reason_parts": reasons.parts_json(parts),
    }


# --- re-planning -------------------------------------------------------------------


def check_plannable(day: date, today: date) -> None:
    dirty.refuse_day_outside(
        day, today, days_back=PLANNABLE_DAYS_BACK, days_ahead=PLANNABLE_DAYS_AHEAD, what="plans can be made"
    )


def request_replan(session: Session, day: date, requested_by: str) -> tuple[ReplanJob, bool]:
    """A dispatcher's "re-plan now": the day's open job, or a new one with the day marked dirty
    (urgently: the planner is asked at once after the commit; beat's sweep if that message is lost)."""
    check_plannable(day, dirty.today(dirty.city_timezone(session)))
    job, created = replan_jobs.open_job(session, day, requested_by)
    if created:
        dirty.mark_dirty(session, triggers.trigger("replan_asked", by=requested_by), [day], urgent=True)
    return job, created


def solver_stop(settings: SchedulingSettings) -> SolverStop:
    """The service stops the solver on its time budget (or sooner, once it stops finding better
    plans), or on an iteration count when one is set."""
    if settings.planner_iterations > 0:
        return SolverStop.after_iterations(settings.planner_iterations)
    return SolverStop.after_seconds(settings.planner_time_budget_s, settings.planner_no_improvement or None)


def distribution(settings: SchedulingSettings, solve_elsewhere: SubproblemSolver | None) -> Distribution | None:
    """How a re-plan has its sub-problems solved: by ``solve_elsewhere`` (the workers' Celery group)
    when the settings ask for it and the day is large enough, else here (``None``)."""
    if solve_elsewhere is None or not settings.planner_distributed:
        return None
    return Distribution(solve_elsewhere, min_clients=settings.planner_distributed_min_candidates)


def policy(settings: SchedulingSettings) -> PolicyConfig:
    """The effort policy the city plans with: the product's defaults (the simulator's), where the
    settings do not set a knob."""
    default = engine.DEFAULT_POLICY
    return replace(
        default,
        effort_level=default.effort_level if settings.effort_level is None else settings.effort_level,
        crew_shift_share=default.crew_shift_share if settings.crew_shift_share is None else settings.crew_shift_share,
        horizon_days=default.horizon_days if settings.horizon_days is None else settings.horizon_days,
    )


def plan(
    settings: SchedulingSettings,
    data: inputs.DayInputs,
    network: RoadNetwork | None,
    solve_elsewhere: SubproblemSolver | None = None,
) -> engine.EffortPlan:
    """The day's plan from its inputs, as the settings say (no database: step 2 of a re-plan)."""
    return engine.plan_streets(
        data.facts,
        data.day,
        data.now,
        data.crews,
        stop=solver_stop(settings),
        seed=settings.planner_seed,
        cleanups=data.cleanups,
        bag_stops=data.bag_stops,
        bulky_reports=data.bulky_reports,
        fixed_visits=data.fixed,
        previous_plan=data.previous,
        exclude=data.taken,
        network=network,
        distribution=distribution(settings, solve_elsewhere),
        config=policy(settings),
    )


def replan(
    runtime: SchedulingRuntime,
    day: date,
    trigger: Part | str | None = None,
    now: datetime | None = None,
    solve_elsewhere: SubproblemSolver | None = None,
) -> ReplanResult:
    """Make a new version of ``day``'s plan (waits for the day's lock; see the module docstring);
    ``trigger``: what caused it (default: why the day was marked dirty; words of the caller's own,
    a test's or an operator's, are stored as written, without a code); ``solve_elsewhere``: how
    the workers would solve its sub-problems (:func:`distribution`)."""
    settings = runtime.settings
    lock = runtime.redis.lock(
        LOCK_KEY + day.isoformat(),
        timeout=settings.replan_lock_timeout_s,
        blocking_timeout=settings.replan_lock_timeout_s,
    )
    if not lock.acquire():
        return ReplanResult(day, None, skipped="another re-plan of this day holds the lock")
    try:
        return _replan_locked(runtime, day, trigger, now, solve_elsewhere)
    finally:
        try:
            lock.release()
        except Exception as exc:  # expired while we worked: the next re-plan is still correct
            log.warning("replan.lock_release_failed", day=day.isoformat(), error=str(exc))


def _replan_locked(
    runtime: SchedulingRuntime,
    day: date,
    trigger: Part | str | None,
    now: datetime | None,
    solve_elsewhere: SubproblemSolver | None,
) -> ReplanResult:
    started = time.perf_counter()
    with runtime.transaction() as session:
        jobs = replan_jobs.take(session, day)
        trigger = trigger or (dirty.reason(session, day) if dirty.generation(session, day) else None)
        trigger = trigger or triggers.trigger("replan")
    try:
        return _plan_and_store(runtime, day, trigger, now, jobs, started, solve_elsewhere)
    except Exception as exc:
        if jobs:
            try:
                with runtime.transaction() as session:
                    replan_jobs.fail(session, jobs, f"{type(exc).__name__}: {exc}")
            except Exception as failed:  # the jobs are taken up again by the next re-plan of the day
                log.warning("replan.job_fail_not_stored", day=day.isoformat(), error=str(failed))
        raise


def _plan_and_store(
    runtime: SchedulingRuntime,
    day: date,
    trigger: Part | str,
    now: datetime | None,
    jobs: list[str],
    started: float,
    solve_elsewhere: SubproblemSolver | None,
) -> ReplanResult:
    settings = runtime.settings
    with runtime.transaction() as session:
        data = inputs.load(session, day, now)
        network = roads.street_network(session)
    solve_started = time.perf_counter()
    effort = plan(settings, data, network, solve_elsewhere)
    solve_seconds = time.perf_counter() - solve_started
    outlook = engine.horizon_outlook(
        data.facts, data.day, data.now, effort, cleanups=data.cleanups, config=policy(settings)
    )
    with runtime.transaction() as session:
        version = _store(session, data, effort, trigger, solve_seconds, outlook)
        dirty.clear(session, day, data.generation)
        replan_jobs.finish(session, jobs, version.version, time.perf_counter() - started)
        result = ReplanResult(
            day,
            version.version,
            version.visits,
            version.added,
            version.removed,
            version.reordered,
            version.prize_collected,
            version.prize_available,
            time.perf_counter() - started,
        )
    elapsed = time.perf_counter() - started
    metrics.REPLAN_DURATION.observe(elapsed)
    metrics.PLAN_VERSIONS.inc()
    metrics.CREW_HOURS_PLANNED.labels(day.isoformat()).set(version.crew_hours)
    for level in ("A+", "A", "B", "C", "D"):
        metrics.STREET_LEVELS.labels(level).set(data.level_counts.get(level, 0))
    metrics.VOLUNTEER_COVERAGE.set(data.covered_share)
    log.info(
        "plan.published",
        day=day.isoformat(),
        version=result.version,
        visits=result.visits,
        added=result.added,
        removed=result.removed,
        seconds=round(elapsed, 2),
        subproblems=len(effort.plan.subproblems),
        solved_elsewhere=sum(1 for s in effort.plan.subproblems if s.solved_by),
    )
    return result


def _store(
    session: Session,
    data: inputs.DayInputs,
    effort: engine.EffortPlan,
    trigger: Part | str,
    solve_seconds: float,
    outlook: Sequence[tuple[date, Sequence[DistrictOutlook]]] = (),
) -> PlanVersion:
    plan = effort.plan
    latest = repository.latest_version(session, data.day)
    number = (latest.version if latest else 0) + 1
    visits = repository.visits_by_candidate(session, data.day)
    district_of = {c.id: c.district for c in effort.candidates}
    district_of.update({c.id: c.district for fixed in data.fixed.values() for c in fixed})
    words = planning_effort.visit_effort_words(plan, district_of, data.baseline_hours)
    crews_json: list[dict[str, Any]] = []
    slots: list[Slot] = []
    pending_entries: list[tuple[Visit, dict[str, Any]]] = []
    crew_seconds = 0.0
    for crew in data.crews:
        route = plan.routes.get(crew.id)
        info = dict(data.crew_info[crew.id])
        if route is not None and route.visits:
            info["returns_at"] = route.returns_at.isoformat()
            crew_seconds += (route.returns_at - crew.shift_start).total_seconds()
        else:
            info["returns_at"] = None
        info["travel_seconds"] = route.travel_seconds if route else 0
        info["service_seconds"] = route.service_seconds if route else 0
        info["path"] = (
            {"type": "LineString", "coordinates": [[round(lon, 7), round(lat, 7)] for lon, lat in route.path]}
            if route is not None and len(route.path) >= 2
            else None
        )
        crews_json.append(info)
        if route is None:
            continue
        for position, planned in enumerate(route.visits):
            meta = data.meta.get(planned.candidate_id)
            if meta is None:  # pragma: no cover - every candidate has its meta
                continue
            visit = visits.get(planned.candidate_id)
            if visit is None:
                visit = Visit(
                    plan_date=data.day,
                    candidate_id=planned.candidate_id,
                    street_id=meta.street_id,
                    kind=meta.kind,
                    bag_request_id=meta.bag_request_id,
                    report_id=meta.report_id,
                    lat=meta.lat,
                    lon=meta.lon,
                    status="planned",
                )
                session.add(visit)
                visits[planned.candidate_id] = visit
            if visit.status == "planned":
                visit.crew_id = int(crew.id)
            reason, parts = _with_effort(planned.reason, planned.reason_parts, words.get(planned.candidate_id))
            pending_entries.append(
                (
                    visit,
                    {
                        "crew_id": int(crew.id),
                        "position": position,
                        "eta": planned.eta,
                        "service_seconds": planned.service_seconds,
                        "prize": round(planned.prize, 3),
                        "reason": reason[:500],
                        "reason_parts": reasons.parts_json(parts),
                        "fixed": planned.fixed,
                    },
                )
            )
    session.flush()
    for visit, values in pending_entries:
        slots.append(
            Slot(
                visit.candidate_id,
                visit.id,
                visit.street_id,
                values["crew_id"],
                values["position"],
                values["reason"],
                reasons.parts_from(values["reason_parts"]),
            )
        )
    old = data.previous_entries
    why = {d.candidate_id: _left_out(d) for d in plan.dropped}
    offered = {c.id for c in effort.candidates}
    for slot in old:
        if slot.candidate_id not in offered and slot.candidate_id not in why:
            why[slot.candidate_id] = _why_not_needed(slot)
    changes = diff(old, slots, why) if latest is not None else [_change("added", slot, None) for slot in slots]
    counts = {kind: sum(1 for c in changes if c["change"] == kind) for kind in ("added", "removed", "reordered")}
    offered_for = {c.id: c for c in effort.candidates}
    trigger_part = trigger if isinstance(trigger, Part) else None
    version = PlanVersion(
        plan_date=data.day,
        version=number,
        trigger=triggers.text(trigger) if isinstance(trigger, Part) else trigger[:200],
        trigger_code=trigger_part.code if trigger_part else None,
        trigger_params=dict(trigger_part.params) if trigger_part else None,
        visits=len(slots),
        added=counts["added"],
        removed=counts["removed"],
        reordered=counts["reordered"],
        prize_collected=round(plan.prize_collected, 3),
        prize_available=round(plan.prize_available, 3),
        crew_hours=round(crew_seconds / 3600.0, 2),
        solve_seconds=round(solve_seconds, 3),
        crews=crews_json,
        districts=[d.as_dict() for d in planning_effort.district_effort(plan, district_of, data.baseline_hours)],
        travel=plan.travel.as_dict(),
        horizon=[
            {"date": day.isoformat(), "districts": [d.as_dict() for d in districts]} for day, districts in outlook
        ],
        dropped=[
            {
                "candidate_id": d.candidate_id,
                "street_id": data.meta[d.candidate_id].street_id if d.candidate_id in data.meta else None,
                "why": d.why,
                "why_code": d.why_part.code if d.why_part else None,
                "why_params": d.why_part.as_dict()["params"] if d.why_part else None,
                "reason": offered_for[d.candidate_id].reason if d.candidate_id in offered_for else "",
                "reason_parts": reasons.parts_json(offered_for[d.candidate_id].reason_parts)
                if d.candidate_id in offered_for
                else None,
            }
            for d in plan.dropped[:MAX_DROPPED_KEPT]
        ],
    )
    session.add(version)
    session.flush()
    for visit, values in pending_entries:
        session.add(PlanEntry(version_id=version.id, visit_id=visit.id, **values))
    for change in changes:
        session.add(PlanChange(version_id=version.id, **change))
    events.publish_plan(session, version)
    return version


EFFORT_WORDS = (planning_effort.WITHIN_BASELINE, planning_effort.ADDED)


def _with_effort(reason: str, parts: tuple[Part, ...], word: Part | None) -> tuple[str, tuple[Part, ...]]:
    """The visit's reason with its place against the district's baseline (once, across versions),
    as English text and as parts (a reason stored before reasons had parts keeps only its text)."""
    if parts:
        kept = tuple(p for p in parts if p not in EFFORT_WORDS)
        parts = (*kept, word) if word else kept
        return reasons.phrase(parts), parts
    for earlier in EFFORT_WORDS:
        reason = reason.removesuffix(f"; {reasons.text(earlier)}")
    return (f"{reason}; {reasons.text(word)}" if word else reason), ()


def _left_out(dropped: DroppedCandidate) -> Part:
    return reasons.part("left_out", why=dropped.why_part or reasons.Part("not_among_best"))


def _why_not_needed(slot: Slot) -> Part:
    if slot.candidate_id.startswith("bags:"):
        return reasons.part("bags_gone")
    if slot.candidate_id.startswith("bulky:"):
        return reasons.part("bulky_gone")
    return reasons.part("not_needed")


def replan_dirty(
    runtime: SchedulingRuntime, now: datetime | None = None, solve_elsewhere: SubproblemSolver | None = None
) -> list[ReplanResult]:
    """Beat's safety net: re-plan every dirty day still worth planning, and today and tomorrow
    when they have no plan at all; forget dirty marks on days already past."""
    results = []
    with runtime.transaction() as session:
        tz = dirty.city_timezone(session)
        first = dirty.today(tz, now)
        wanted = set(dirty.dirty_days(session))
        for past in [d for d in wanted if d < first]:
            dirty.clear(session, past, None)
        replan_jobs.expire_before(session, first)
        days = {d for d in wanted if d >= first}
        existing = repository.last_version_numbers(session, [first, first + timedelta(days=1)])
        days |= {d for d in (first, first + timedelta(days=1)) if d not in existing}
    for day in sorted(days):
        results.append(
            replan(runtime, day, trigger=triggers.trigger("safety_net"), now=now, solve_elsewhere=solve_elsewhere)
        )
    return results


def request_missing_plans(runtime: SchedulingRuntime) -> list[date]:
    """At start-up: today and tomorrow without any plan are marked dirty, so the planner makes
    them within seconds instead of at beat's next safety-net sweep (up to a minute later)."""
    with runtime.transaction() as session:
        first, second = dirty.default_days(session)
        existing = repository.last_version_numbers(session, [first, second])
        missing = [day for day in (first, second) if day not in existing]
        if missing:
            dirty.mark_dirty(session, triggers.trigger("no_plan_yet"), missing)
    return missing


def latest_version_number(session: Session, day: date) -> int | None:
    return repository.last_version_numbers(session, [day]).get(day)


def plan_coming(session: Session, day: date) -> bool:
    """A day without a version that will get one by itself: today and tomorrow are always
    planned, and a dirty day from today on is re-planned."""
    first, second = dirty.default_days(session)
    if day in (first, second):
        return True
    return day >= first and day in dirty.dirty_days(session)


# --- reading plans ------------------------------------------------------------------


def _local(moment: datetime | None, tz: Any) -> str | None:
    return moment.astimezone(tz).strftime("%H:%M") if moment else None


def _crew_effort(crews: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Route hours, crew-shifts sent out and their paid shift hours, apart (from the stored crews); a
    crew on call longer than a working day is paid one, as the planner weighs it."""
    out = [c for c in crews if c.get("returns_at")]
    route_seconds = sum(float(c.get("travel_seconds") or 0) + float(c.get("service_seconds") or 0) for c in out)
    shift_seconds = sum(
        min(
            (datetime.fromisoformat(c["shift_end"]) - datetime.fromisoformat(c["shift_start"])).total_seconds(),
            PAID_DAY_SECONDS,
        )
        for c in out
    )
    return {
        "route_hours": round(route_seconds / 3600.0, 2),
        "crew_shifts": len(out),
        "shift_hours": round(shift_seconds / 3600.0, 2),
    }


def version_summary(version: PlanVersion) -> dict[str, Any]:
    return {
        "plan_date": version.plan_date,
        "version": version.version,
        "created_at": version.created_at,
        "trigger": version.trigger,
        "trigger_code": version.trigger_code,
        "trigger_params": version.trigger_params or {},
        "visits": version.visits,
        "added": version.added,
        "removed": version.removed,
        "reordered": version.reordered,
        "prize_collected": version.prize_collected,
        "prize_available": version.prize_available,
        "crew_hours": version.crew_hours,
        **_crew_effort(version.crews or []),
        "solve_seconds": version.solve_seconds,
    }


def get_version(session: Session, day: date, number: int | None = None) -> PlanVersion:
    version = repository.latest_version(session, day) if number is None else repository.version(session, day, number)
    if version is None:
        what = f"version {number} of the plan" if number is not None else "a plan"
        raise NotFound(f"there is no {what} for {day.isoformat()} yet")
    return version


def plan_view(session: Session, day: date, number: int | None = None) -> dict[str, Any]:
    """A version with crews, ordered visits, ETAs (UTC and city time), reasons and what changed."""
    version = get_version(session, day, number)
    tz = dirty.city_timezone(session)
    changes = repository.changes(session, version.id)
    change_of = {c.visit_id: c.change for c in changes if c.change != "removed"}
    told = directives.view(session, day)
    directive_of = {d["candidate_id"]: d for d in told}
    by_crew: dict[int, list[dict[str, Any]]] = {}
    street_ids = set()
    rows = repository.entries(session, version.id)
    for _entry, visit in rows:
        street_ids.add(visit.street_id)
    names = {
        s.id: (s.name, s.district) for s in streets.by_ids(session, sorted(street_ids | {c.street_id for c in changes}))
    }
    for entry, visit in rows:
        name, district = names.get(visit.street_id, ("?", ""))
        by_crew.setdefault(entry.crew_id, []).append(
            {
                "visit_id": visit.id,
                "position": entry.position,
                "candidate_id": visit.candidate_id,
                "street_id": visit.street_id,
                "street_name": name,
                "district": district,
                "kind": visit.kind,
                "eta": entry.eta,
                "eta_local": _local(entry.eta, tz),
                "service_minutes": round(entry.service_seconds / 60.0, 1),
                "reason": entry.reason,
                "reason_parts": entry.reason_parts or [],
                "status": visit.status,
                "fixed": entry.fixed,
                "lat": visit.lat,
                "lon": visit.lon,
                "change": change_of.get(visit.id),
                "bags_collected": visit.bags_collected,
                "directive": directive_of.get(visit.candidate_id, {}).get("kind"),
                "directive_id": directive_of.get(visit.candidate_id, {}).get("directive_id"),
                "moved_from": directive_of.get(visit.candidate_id, {}).get("moved_from"),
            }
        )
    crews = []
    for info in version.crews:
        crew = dict(info)
        crew["visits"] = by_crew.get(int(info["id"]), [])
        start = datetime.fromisoformat(info["shift_start"])
        end = datetime.fromisoformat(info["shift_end"])
        returns = datetime.fromisoformat(info["returns_at"]) if info.get("returns_at") else None
        crew["shift_local"] = f"{_local(start, tz)}–{_local(end, tz)}"
        crew["returns_local"] = _local(returns, tz)
        crews.append(crew)
    removed = [
        {
            "visit_id": c.visit_id,
            "street_id": c.street_id,
            "street_name": names.get(c.street_id, ("?", ""))[0],
            "from_crew_id": c.from_crew_id,
            "reason": c.reason,
            "reason_parts": c.reason_parts or [],
        }
        for c in changes
        if c.change == "removed"
    ]
    return {
        **version_summary(version),
        "timezone": str(tz),
        "crews": crews,
        "removed_visits": removed,
        "dropped": version.dropped[:50],
        "districts": version.districts or [],
        "horizon": version.horizon or [],
        "directives": told,
        "travel": version.travel,
    }


def versions_view(session: Session, day: date) -> list[dict[str, Any]]:
    return [version_summary(v) for v in repository.versions(session, day)]


def diff_view(session: Session, day: date, number: int, against: int | None = None) -> dict[str, Any]:
    """The stored diff of a version against the one before it, or a diff against any version."""
    version = get_version(session, day, number)
    if against is None or against == number - 1:
        rows = [
            {
                "change": c.change,
                "visit_id": c.visit_id,
                "candidate_id": c.candidate_id,
                "street_id": c.street_id,
                "crew_id": c.crew_id,
                "from_crew_id": c.from_crew_id,
                "from_position": c.from_position,
                "to_position": c.to_position,
                "reason": c.reason,
                "reason_parts": c.reason_parts or [],
            }
            for c in repository.changes(session, version.id)
        ]
        return {"plan_date": day, "version": number, "against": number - 1 if number > 1 else None, "changes": rows}
    other = get_version(session, day, against)

    def slots(v: PlanVersion) -> list[Slot]:
        return [Slot.of(e, visit) for e, visit in repository.entries(session, v.id)]

    return {"plan_date": day, "version": number, "against": against, "changes": diff(slots(other), slots(version))}


# --- visits --------------------------------------------------------------------------


def _visit_on_latest(session: Session, visit_id: int) -> Visit:
    visit = repository.visit(session, visit_id)
    if visit is None:
        raise NotFound(f"no visit {visit_id}")
    latest = repository.latest_version(session, visit.plan_date)
    if latest is None or visit.id not in {v.id for _e, v in repository.entries(session, latest.id)}:
        raise Conflict(f"visit {visit_id} is no longer on the latest plan for {visit.plan_date.isoformat()}")
    return visit


def start_visit(session: Session, visit_id: int) -> Visit:
    visit = _visit_on_latest(session, visit_id)
    if visit.status == "done":
        raise Conflict(f"visit {visit_id} is already done")
    if visit.status == "planned":
        visit.status = "started"
        visit.started_at = datetime.now(UTC)
        dirty.mark_dirty(session, triggers.trigger("visit_started"), days=[visit.plan_date])
    return visit


def complete_visit(
    session: Session,
    visit_id: int,
    *,
    at: datetime | None = None,
    bags_collected: int | None = None,
    level_found: str | None = None,
) -> Visit:
    """Done: the street's estimate is reset (a clean), bags or reports are closed, and
    ``visit.completed`` goes out with them; ``bags_collected`` is what the crew took away,
    ``level_found`` the CROW level it found on arrival (both tell the estimate how dirty the
    street was before the clean).
    What it changed is kept on the visit (``undo``) for :func:`undo_done`."""
    visit = _visit_on_latest(session, visit_id)
    if visit.status == "done":
        return visit
    now = at or datetime.now(UTC)
    undo: dict[str, Any] = {
        "status": visit.status,
        "started_at": visit.started_at.isoformat() if visit.started_at else None,
    }
    visit.status = "done"
    visit.started_at = visit.started_at or now
    visit.completed_at = now
    visit.bags_collected = bags_collected
    found = Level.parse(level_found) if level_found is not None else None
    visit.level_found = str(found) if found is not None else None
    report_ids: list[int] = []
    if visit.kind == "clean":
        undo["street"] = state.record_visit(session, visit.street_id, now, level_found=found, bags=bags_collected)
        report_ids.extend(state.resolve_open_reports(session, visit.street_id, inputs.BULKY_WASTE))
    elif visit.kind == "bags" and visit.bag_request_id is not None:
        state.collect_bags(session, visit.bag_request_id, now)
    elif visit.kind == "bulky" and visit.report_id is not None:
        state.resolve_report(session, visit.report_id)
        report_ids.append(visit.report_id)
    visit.report_ids = sorted(report_ids)
    visit.undo = undo
    events.publish_visit_completed(session, visit)
    dirty.mark_dirty(session, triggers.trigger("visit_done"))
    return visit


def undo_done(session: Session, visit_id: int) -> Visit:
    """A done marked by mistake: the visit is back as it was (planned, or started), the street's
    estimate, last visit and estimate history as before the clean, its reports open again, its
    bags waiting again; the day is re-planned.

    No correcting event goes out: ``visit.completed`` was already applied by the reports service
    (reports resolved, residents told) and the volunteers service (adopters thanked); taking that
    back needs a ``visit.reopened`` event with consumers in both services (not built yet). Here the
    scheduling service's own copy of the reports is opened again, so the planner sees them."""
    visit = repository.visit(session, visit_id)
    if visit is None:
        raise NotFound(f"there is no visit {visit_id}", code="visit_unknown", params={"visit": visit_id})
    if visit.status != "done" or visit.completed_at is None:
        raise Conflict(f"visit {visit_id} is not done", code="visit_not_done", params={"visit": visit_id})
    today = dirty.today(dirty.city_timezone(session))
    dirty.refuse_day_outside(
        visit.plan_date,
        today,
        days_back=PLANNABLE_DAYS_BACK,
        days_ahead=PLANNABLE_DAYS_AHEAD,
        what="visits done can be undone",
    )
    undo = visit.undo or {}
    if visit.kind == "clean" and undo.get("street"):
        state.undo_visit(session, visit.street_id, undo["street"])
        state.reopen_reports(session, list(visit.report_ids or []))
    elif visit.kind == "bags" and visit.bag_request_id is not None:
        state.uncollect_bags(session, visit.bag_request_id, visit.completed_at)
    elif visit.kind == "bulky" and visit.report_id is not None:
        state.reopen_reports(session, [visit.report_id])
    started = undo.get("started_at")
    visit.status = "started" if undo.get("status") == "started" else "planned"
    visit.started_at = datetime.fromisoformat(started) if started else None
    visit.completed_at = None
    visit.report_ids = None
    visit.bags_collected = None
    visit.level_found = None
    visit.undo = None
    dirty.mark_dirty(session, triggers.trigger("visit_done_undone"), days=[visit.plan_date])
    return visit


def visit_view(visit: Visit) -> VisitOut:
    return from_row(VisitOut, visit, visit_id=visit.id, report_ids=list(visit.report_ids or []))
