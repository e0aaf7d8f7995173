"""A street's history: what residents, volunteers, inspectors and crews did, and the estimate over time.

The history keeps nothing of its own: it reads the street state's records and the plans' visits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kernel.errors import NotFound
from services.scheduling.plans import repository as plans
from services.scheduling.state import repository as state
from services.scheduling.streets import repository as streets


def street_history(session: Session, street_id: int, limit: int = 200) -> dict[str, Any]:
    if streets.get(session, street_id) is None:
        raise NotFound(f"no street {street_id}")
    return {
        "street_id": street_id,
        "reports": [
            {
                "report_id": r.report_id,
                "category": r.category,
                "severity": r.severity,
                "filed_at": r.filed_at,
                "status": r.status,
                "duplicate_of": r.duplicate_of,
            }
            for r in state.reports_of(session, street_id, limit)
        ],
        "picks": [
            {"pick_id": p.pick_id, "picked_at": p.picked_at, "bags": p.bags, "minutes": p.minutes}
            for p in state.picks_of(session, street_id, limit)
        ],
        "visits": [
            {
                "visit_id": v.id,
                "plan_date": v.plan_date,
                "kind": v.kind,
                "status": v.status,
                "crew_id": v.crew_id,
                "started_at": v.started_at,
                "completed_at": v.completed_at,
            }
            for v in plans.visits_on_street(session, street_id, limit)
        ],
        "inspections": [
            {"inspection_id": i.inspection_id, "level": i.level, "inspected_at": i.inspected_at}
            for i in state.inspections_of(session, street_id, limit)
        ],
        "estimates": [
            {
                "at": s.at,
                "mean_litter": s.mean_litter,
                "sd_litter": s.sd_litter,
                "rate_per_day": s.rate_mean,
                "level": s.level,
                "cause": s.cause,
            }
            for s in state.snapshots_of(session, street_id, limit)
        ],
    }
