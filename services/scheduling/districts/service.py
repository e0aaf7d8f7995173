"""Target levels per district: the level the planner works towards (default B, the city's basis)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.errors import NotFound, Unprocessable
from services.scheduling.dirty import service as dirty
from services.scheduling.dirty.triggers import trigger
from services.scheduling.districts import repository
from services.scheduling.districts.models import DistrictBaseline, DistrictTarget
from services.scheduling.planning.levels import DEFAULT_TARGET, Level
from services.scheduling.streets import repository as streets


def target_for(session: Session, district: str) -> Level:
    row = repository.get(session, district)
    return Level.parse(row.target_level) if row else DEFAULT_TARGET


def targets(session: Session) -> dict[str, Level]:
    return {district: Level.parse(level) for district, level in repository.all_targets(session).items()}


def district_targets(session: Session) -> list[dict[str, object]]:
    explicit = repository.all_targets(session)
    return [
        {
            "district": name,
            "streets": count,
            "target_level": explicit.get(name, str(DEFAULT_TARGET)),
            "is_default": name not in explicit,
        }
        for name, count, _length in streets.districts(session)
    ]


def set_target(session: Session, district: str, level: str) -> dict[str, object]:
    try:
        parsed = Level.parse(level)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    if parsed is Level.D:
        raise Unprocessable("D cannot be a target: it is the dirtiest level")
    counts = {name: n for name, n, _l in streets.districts(session)}
    if district not in counts:
        raise NotFound(f"no district named {district!r}")
    row = repository.get(session, district)
    if row is None:
        row = DistrictTarget(district=district, target_level=str(parsed))
        session.add(row)
    else:
        row.target_level = str(parsed)
    dirty.mark_dirty(session, trigger("district_target", district=district, level=str(parsed)))
    return {"district": district, "target_level": str(parsed), "is_default": False, "streets": counts[district]}


def baselines_per_week(session: Session) -> dict[str, float]:
    """Crew hours per week per district as set by a dispatcher (districts not set are absent)."""
    return repository.all_baselines(session)


def district_baselines(session: Session) -> list[dict[str, object]]:
    explicit = repository.all_baselines(session)
    return [
        {"district": name, "hours_per_week": explicit.get(name), "is_default": name not in explicit}
        for name, _count, _length in streets.districts(session)
    ]


def set_baseline(session: Session, district: str, hours_per_week: float) -> dict[str, object]:
    if district not in {name for name, _n, _l in streets.districts(session)}:
        raise NotFound(f"no district named {district!r}")
    row = repository.get_baseline(session, district)
    if row is None:
        session.add(DistrictBaseline(district=district, hours_per_week=hours_per_week))
    else:
        row.hours_per_week = hours_per_week
    dirty.mark_dirty(session, trigger("district_baseline", district=district, hours=float(hours_per_week)))
    return {"district": district, "hours_per_week": hours_per_week, "is_default": False}
