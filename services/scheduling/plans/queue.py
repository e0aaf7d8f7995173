"""The dispatcher's work queue, worked out on the server: streets expected below their target that
nobody covers, so the page need not read the whole city's street map to find them.

"Nobody covers" means: no adoption covers the street, no group clean-up is planned on it that day,
and the day's latest plan has no crew cleaning it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from services.scheduling.dirty import service as dirty
from services.scheduling.plans import repository
from services.scheduling.state import repository as state_records
from services.scheduling.state import service as state

QUEUE_LIMIT = 30


def uncovered(session: Session, day: date, limit: int = QUEUE_LIMIT) -> dict[str, Any]:
    """The streets below target with nobody covering them on ``day``, worst first (the most steps
    below target, then the dirtiest, the most open reports, the longest), at most ``limit``, and
    how many there are in all."""
    latest = repository.latest_version(session, day)
    planned = repository.cleaned_street_ids(session, latest.id) if latest is not None else set()
    start = datetime.combine(day, time(0), tzinfo=dirty.city_timezone(session))
    cleanups = {c.street_id for c in state_records.cleanups_between(session, start, start + timedelta(days=1))}
    below = [
        s
        for s in state.street_levels(session)
        if s.steps_below_target > 0 and not s.adopted and s.id not in planned and s.id not in cleanups
    ]
    below.sort(key=lambda s: (-s.steps_below_target, -s.level.rank, -s.open_reports, -s.length_m, s.id))
    return {
        "plan_date": day,
        "version": latest.version if latest is not None else None,
        "total": len(below),
        "streets": [
            {
                "street_id": s.id,
                "name": s.name,
                "district": s.district,
                "level": str(s.level),
                "target": str(s.target),
                "open_reports": s.open_reports,
                "length_m": s.length_m,
                "lat": s.lat,
                "lon": s.lon,
            }
            for s in below[:limit]
        ],
    }
