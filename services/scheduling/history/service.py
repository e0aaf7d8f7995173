"""A street's history: what residents, volunteers, inspectors and crews did, and the estimate over time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.scheduling.history import repository
from services.scheduling.history.models import EstimateSnapshot, StreetInspection
from services.scheduling.planning import estimator
from services.scheduling.planning.levels import level_from_litter


def record_snapshot(session: Session, street_id: int, estimate: estimator.StreetEstimate, cause: str) -> None:
    """Append the estimate as it stands after ``cause`` (prior, report, pick, inspection, visit)."""
    session.add(
        EstimateSnapshot(
            street_id=street_id,
            at=estimate.as_of,
            mean_litter=round(estimate.mean_litter, 4),
            sd_litter=round(estimate.sd_litter, 4),
            rate_mean=round(estimate.rate_mean, 4),
            level=str(level_from_litter(estimate.mean_litter)),
            cause=cause,
        )
    )


def record_inspection(session: Session, inspection_id: int, street_id: int, level: str, at: datetime) -> None:
    if session.get(StreetInspection, inspection_id) is None:
        session.add(StreetInspection(inspection_id=inspection_id, street_id=street_id, level=level, inspected_at=at))


def street_history(session: Session, street_id: int, limit: int = 200) -> dict[str, Any]:
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
            for r in repository.reports(session, street_id, limit)
        ],
        "picks": [
            {"pick_id": p.pick_id, "picked_at": p.picked_at, "bags": p.bags, "minutes": p.minutes}
            for p in repository.picks(session, street_id, limit)
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
            for v in repository.visits(session, street_id, limit)
        ],
        "inspections": [
            {"inspection_id": i.inspection_id, "level": i.level, "inspected_at": i.inspected_at}
            for i in repository.inspections(session, street_id, limit)
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
            for s in repository.snapshots(session, street_id, limit)
        ],
    }
