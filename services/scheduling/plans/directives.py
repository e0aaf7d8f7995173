"""The dispatcher's directives on a day's plan: pin a visit to its crew, move it to another crew
and/or day, drop it from a day; and taking them back.

A directive is stored per (day, candidate) and read by :func:`inputs.load` at every re-plan of that
day: a pin becomes a fixed visit of its crew (kept at the start of the crew's route, after what is
done or under way), a drop an excluded candidate. A move is a pin on the new crew and day, plus a
drop on the day it came from when the day changes; taking back either half takes back both.
Each change marks the days it touches dirty, so they are re-planned the way events re-plan them.
The planning engine knows nothing of directives: it only sees fixed visits and excluded ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kernel.errors import Conflict, NotFound, Unprocessable
from services.scheduling.crews import repository as crew_records
from services.scheduling.crews import service as crews
from services.scheduling.dirty import service as dirty
from services.scheduling.dirty.triggers import trigger
from services.scheduling.plans import repository
from services.scheduling.plans.models import PlanDirective, Visit
from services.scheduling.streets import repository as streets

PIN = "pin"
DROP = "drop"
DAYS_AHEAD = 14
"""A visit can be moved this many days ahead at most (as far as plans are made)."""
MODES_FOR_KIND: dict[str, tuple[str, ...]] = {
    "clean": ("foot", "sweeper"),
    "bags": ("foot", "bulky_truck"),
    "bulky": ("bulky_truck",),
}


def _today(session: Session) -> date:
    return dirty.today(dirty.city_timezone(session))


def _check_day(session: Session, day: date) -> None:
    dirty.refuse_day_outside(day, _today(session), days_back=0, days_ahead=DAYS_AHEAD, what="plans can be changed")


def _planned_visit(session: Session, visit_id: int) -> Visit:
    """A visit on the latest version of its day's plan, not yet started or done, on a day not past."""
    visit = repository.visit(session, visit_id)
    if visit is None:
        raise NotFound(f"there is no visit {visit_id}", code="visit_unknown", params={"visit": visit_id})
    _check_day(session, visit.plan_date)
    latest = repository.latest_version(session, visit.plan_date)
    if latest is None or repository.on_version(session, latest.id, visit.id) is None:
        raise Conflict(
            f"visit {visit_id} is no longer on the latest plan for {visit.plan_date.isoformat()}",
            code="visit_not_on_plan",
            params={"visit": visit_id},
        )
    if visit.status != "planned":
        raise Conflict(
            f"visit {visit_id} is already {visit.status}; only planned visits can be moved, pinned or dropped",
            code="visit_under_way",
            params={"visit": visit_id},
        )
    return visit


def _check_crew(session: Session, crew_id: int, day: date, kind: str) -> None:
    record = crew_records.get(session, crew_id)
    if record is None:
        raise NotFound(f"there is no crew {crew_id}", code="crew_unknown", params={"crew": crew_id, "field": "crew_id"})
    # what a crew can do never changes with the day: say that first, whatever day was asked
    if record.mode not in MODES_FOR_KIND.get(kind, ()):
        raise Unprocessable(
            f"{record.name} ({record.mode}) cannot do this visit ({kind})",
            code="crew_wrong_mode",
            params={"crew": record.name, "field": "crew_id"},
        )
    on_duty, _ = crews.crews_on_duty(session, day, dirty.city_timezone(session))
    if str(crew_id) not in {c.id for c in on_duty}:
        raise Unprocessable(
            f"{record.name} is not on duty on {day.isoformat()} (no shift that day, absent or inactive)",
            code="crew_off_duty",
            params={"crew": record.name, "day": day.isoformat(), "field": "crew_id"},
        )


def _put(session: Session, day: date, visit: Visit, kind: str, by: str, **values: Any) -> PlanDirective:
    """The candidate's directive on ``day``, replacing whatever directive it had there."""
    row = repository.directive_for(session, day, visit.candidate_id)
    if row is None:
        row = PlanDirective(plan_date=day, candidate_id=visit.candidate_id, street_id=visit.street_id)
        session.add(row)
    row.kind = kind
    row.crew_id = values.get("crew_id")
    row.moved_from = values.get("moved_from")
    row.moved_to = values.get("moved_to")
    row.created_by = by[:100]
    return row


def _forget_pair(session: Session, row: PlanDirective) -> list[date]:
    """Take back the other half of a move to another day (and any older move of this candidate)."""
    other_day = row.moved_from or row.moved_to
    if other_day is None:
        return []
    other = repository.directive_for(session, other_day, row.candidate_id)
    if other is not None and (other.moved_to == row.plan_date or other.moved_from == row.plan_date):
        session.delete(other)
        return [other_day]
    return []


def _forget_stale_move(session: Session, old: PlanDirective | None) -> list[date]:
    """A visit moved to another day, then (before the re-plan took it off) given another directive
    on its own day: the pin on the day it was moved to no longer holds."""
    if old is None or old.kind != DROP or old.moved_to is None:
        return []
    return _forget_pair(session, old)


def pin(session: Session, visit_id: int, by: str) -> list[PlanDirective]:
    """The visit stays on its crew that day, whatever the optimiser thinks."""
    visit = _planned_visit(session, visit_id)
    if visit.crew_id is None:  # pragma: no cover - a visit on a plan has its crew
        raise Conflict(f"visit {visit_id} has no crew", code="visit_not_on_plan", params={"visit": visit_id})
    return move(session, visit_id, visit.crew_id, visit.plan_date, by, what="pinned")


def move(
    session: Session, visit_id: int, crew_id: int, day: date | None, by: str, what: str = "moved"
) -> list[PlanDirective]:
    """The visit goes to ``crew_id`` on ``day`` (default: its own day) and is pinned there; moved to
    another day, it is dropped from its own."""
    visit = _planned_visit(session, visit_id)
    day = day or visit.plan_date
    _check_day(session, day)
    _check_crew(session, crew_id, day, visit.kind)
    there = repository.visit_on(session, day, visit.candidate_id)
    if day != visit.plan_date and there is not None and there.status != "planned":
        raise Conflict(
            f"this visit is already {there.status} on {day.isoformat()}",
            code="visit_under_way_that_day",
            params={"day": day.isoformat(), "field": "plan_date"},
        )
    old = repository.directive_for(session, visit.plan_date, visit.candidate_id)
    touched = [visit.plan_date, day, *_forget_stale_move(session, old)]
    if day == visit.plan_date:
        came_from = old.moved_from if old is not None and old.kind == PIN else None
        rows = [_put(session, day, visit, PIN, by, crew_id=crew_id, moved_from=came_from)]
    else:
        rows = [
            _put(session, day, visit, PIN, by, crew_id=crew_id, moved_from=visit.plan_date),
            _put(session, visit.plan_date, visit, DROP, by, moved_to=day),
        ]
    session.flush()
    dirty.mark_dirty(session, trigger(f"visit_{what}"), days=touched)
    return rows


def drop(session: Session, visit_id: int, by: str) -> list[PlanDirective]:
    """The visit is not planned that day (until the drop is taken back)."""
    visit = _planned_visit(session, visit_id)
    old = repository.directive_for(session, visit.plan_date, visit.candidate_id)
    touched = [visit.plan_date, *_forget_stale_move(session, old)]
    row = _put(session, visit.plan_date, visit, DROP, by)
    session.flush()
    dirty.mark_dirty(session, trigger("visit_dropped"), days=touched)
    return [row]


def remove(session: Session, directive_id: int) -> list[date]:
    """Unpin or undrop: the directive (and the other half of a move) is gone; the days re-plan freely."""
    row = repository.directive(session, directive_id)
    if row is None:
        raise NotFound(
            f"there is no directive {directive_id}", code="directive_unknown", params={"directive": directive_id}
        )
    _check_day(session, row.plan_date)
    touched = [row.plan_date, *_forget_pair(session, row)]
    session.delete(row)
    dirty.mark_dirty(session, trigger(f"{row.kind}_taken_back"), days=touched)
    return touched


def view(session: Session, day: date) -> list[dict[str, Any]]:
    """The day's directives with street and crew names, and whether the next re-plan can honour them."""
    return describe(session, repository.directives(session, day))


def describe(session: Session, rows: Sequence[PlanDirective]) -> list[dict[str, Any]]:
    names = {s.id: s.name for s in streets.by_ids(session, sorted({r.street_id for r in rows}))}
    tz = dirty.city_timezone(session)
    on_duty = {(day, c.id) for day in {r.plan_date for r in rows} for c in crews.crews_on_duty(session, day, tz)[0]}
    crew_names = {c.id: c.name for c in crew_records.all_crews(session, include_inactive=True)} if rows else {}
    return [
        {
            "directive_id": r.id,
            "plan_date": r.plan_date,
            "kind": r.kind,
            "candidate_id": r.candidate_id,
            "street_id": r.street_id,
            "street_name": names.get(r.street_id, "?"),
            "crew_id": r.crew_id,
            "crew_name": crew_names.get(r.crew_id) if r.crew_id is not None else None,
            "moved_from": r.moved_from,
            "moved_to": r.moved_to,
            "created_by": r.created_by,
            "created_at": r.created_at,
            "honoured": r.kind == DROP or (r.plan_date, str(r.crew_id)) in on_duty,
        }
        for r in rows
    ]
