"""Crews: CRUD for dispatchers, the crews on duty on a day (as the planner wants them), demo crews."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kernel.errors import Conflict, NotFound
from kernel.responses import from_row
from services.scheduling.crews import repository
from services.scheduling.crews.models import CrewAbsence, CrewRecord
from services.scheduling.crews.schemas import CrewOut
from services.scheduling.dirty import service as dirty
from services.scheduling.dirty.triggers import trigger
from services.scheduling.planning.routing import Crew, CrewMode
from services.scheduling.streets import repository as streets

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def get(session: Session, crew_id: int) -> CrewRecord:
    crew = repository.get(session, crew_id)
    if crew is None:
        raise NotFound(f"no crew {crew_id}", code="crew_unknown", params={"crew": crew_id})
    return crew


def describe(session: Session, crew: CrewRecord) -> CrewOut:
    """The crew as the API shows it, with its absences (by day)."""
    return from_row(CrewOut, crew, absences=repository.absences(session, crew.id))


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"a crew named {name!r} already exists", code="crew_name_taken", params={"name": name, "field": "name"}
    )


def create(session: Session, values: dict[str, Any]) -> CrewRecord:
    if repository.by_name(session, values["name"]) is not None:
        raise _name_taken(values["name"])
    crew = CrewRecord(**values)
    session.add(crew)
    session.flush()
    dirty.mark_dirty(session, trigger("crew_added", crew=crew.name))
    return crew


def update(session: Session, crew_id: int, changes: dict[str, Any]) -> CrewRecord:
    crew = get(session, crew_id)
    if "name" in changes and changes["name"] != crew.name and repository.by_name(session, changes["name"]):
        raise _name_taken(changes["name"])
    for key, value in changes.items():
        setattr(crew, key, value)
    session.flush()
    dirty.mark_dirty(session, trigger("crew_changed", crew=crew.name))
    return crew


def delete(session: Session, crew_id: int) -> None:
    crew = get(session, crew_id)
    session.delete(crew)
    dirty.mark_dirty(session, trigger("crew_removed", crew=crew.name))


def add_absence(session: Session, crew_id: int, day: date, reason: str) -> CrewAbsence:
    crew = get(session, crew_id)
    absence = repository.absence(session, crew_id, day)
    if absence is None:
        absence = CrewAbsence(crew_id=crew_id, day=day, reason=reason)
        session.add(absence)
    absence.reason = reason
    dirty.mark_dirty(session, trigger("crew_off", crew=crew.name, day=day.isoformat()), days=[day])
    return absence


def remove_absence(session: Session, crew_id: int, day: date) -> None:
    crew = get(session, crew_id)
    absence = repository.absence(session, crew_id, day)
    if absence is None:
        raise NotFound(
            f"crew {crew_id} has no absence on {day.isoformat()}",
            code="absence_unknown",
            params={"day": day.isoformat()},
        )
    session.delete(absence)
    dirty.mark_dirty(session, trigger("crew_back", crew=crew.name, day=day.isoformat()), days=[day])


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def shift_of(crew: CrewRecord, day: date, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    hours = (crew.shifts or {}).get(WEEKDAYS[day.weekday()])
    if not hours:
        return None
    start = datetime.combine(day, _clock(hours["start"]), tzinfo=tz)
    end = datetime.combine(day, _clock(hours["end"]), tzinfo=tz)
    return (start, end) if end > start else None


def crews_on_duty(session: Session, day: date, tz: ZoneInfo) -> tuple[list[Crew], dict[str, CrewRecord]]:
    """The planner's crews for ``day``: active, with a shift that weekday, not absent."""
    absent = repository.absent_on(session, day)
    result: list[Crew] = []
    records: dict[str, CrewRecord] = {}
    for record in repository.all_crews(session):
        if record.id in absent:
            continue
        shift = shift_of(record, day, tz)
        if shift is None:
            continue
        result.append(
            Crew(
                id=str(record.id),
                name=record.name,
                size=record.size,
                mode=CrewMode(record.mode),
                depot_lat=record.depot_lat,
                depot_lon=record.depot_lon,
                shift_start=shift[0],
                shift_end=shift[1],
            )
        )
        records[str(record.id)] = record
    return result, records


def _hours(start: str, end: str, days: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {day: {"start": start, "end": end} for day in days}


def seed_demo_crews(session: Session) -> int:
    """When there are no crews yet: crews sized *below* what cleaning every street daily would take
    (the city works from an average): two foot crews on half-day shifts, each based at the centre
    of half the districts, an early sweeper, and a bulky-waste truck. Returns how many were made."""
    if repository.count(session) > 0:
        return 0
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for street in streets.all_streets(session):
        points[street.district].append((street.centroid_lat, street.centroid_lon))
    if not points:
        return 0

    def centre(names: list[str]) -> tuple[float, float]:
        pts = [p for name in names for p in points[name]]
        return round(sum(p[0] for p in pts) / len(pts), 6), round(sum(p[1] for p in pts) / len(pts), 6)

    names = sorted(points)
    halves = [names[: (len(names) + 1) // 2], names[(len(names) + 1) // 2 :]]
    weekdays = WEEKDAYS[:5]
    crews = []
    for number, half in enumerate(h for h in halves if h):
        lat, lon = centre(half)
        crews.append(
            CrewRecord(
                name=f"Foot crew {number + 1}",
                size=2,
                mode=CrewMode.FOOT.value,
                depot_lat=lat,
                depot_lon=lon,
                district=half[0] if len(half) == 1 else None,
                shifts=_hours("07:00", "11:00", weekdays) | _hours("08:00", "12:00", ("sat", "sun")),
            )
        )
    lat, lon = centre(names)
    crews.append(
        CrewRecord(
            name="Sweeper",
            size=1,
            mode=CrewMode.SWEEPER.value,
            depot_lat=lat,
            depot_lon=lon,
            shifts=_hours("06:00", "08:00", weekdays),
        )
    )
    crews.append(
        CrewRecord(
            name="Bulky-waste truck",
            size=2,
            mode=CrewMode.BULKY_TRUCK.value,
            depot_lat=lat,
            depot_lon=lon,
            shifts=_hours("07:00", "15:00", (*weekdays, "sat")),
        )
    )
    session.add_all(crews)
    session.flush()
    dirty.mark_dirty(session, trigger("demo_crews"))
    return len(crews)
