"""What plans publish: `plan.published` for a new version, `visit.completed` when a crew is done."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import PlanPublished, VisitCompleted
from kernel.outbox import record_event
from services.scheduling.database import OutboxMessage
from services.scheduling.plans.models import PlanVersion, Visit

SOURCE = "scheduling"


def publish_plan(session: Session, version: PlanVersion) -> str:
    return record_event(
        session,
        OutboxMessage,
        SOURCE,
        "plan.published",
        PlanPublished(
            plan_date=version.plan_date,
            version=version.version,
            visits=version.visits,
            added=version.added,
            removed=version.removed,
        ),
    )


def publish_visit_completed(session: Session, visit: Visit) -> str:
    assert visit.completed_at is not None
    return record_event(
        session,
        OutboxMessage,
        SOURCE,
        "visit.completed",
        VisitCompleted(
            visit_id=visit.id,
            street_id=visit.street_id,
            completed_at=visit.completed_at,
            kind=visit.kind,
            bag_request_id=visit.bag_request_id,
            report_ids=list(visit.report_ids or []),
        ),
    )
