from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.scheduling.districts.models import DistrictBaseline, DistrictTarget


def get(session: Session, district: str) -> DistrictTarget | None:
    return session.get(DistrictTarget, district)


def all_targets(session: Session) -> dict[str, str]:
    return {row.district: row.target_level for row in session.scalars(select(DistrictTarget))}


def get_baseline(session: Session, district: str) -> DistrictBaseline | None:
    return session.get(DistrictBaseline, district)


def all_baselines(session: Session) -> dict[str, float]:
    return {row.district: row.hours_per_week for row in session.scalars(select(DistrictBaseline))}
