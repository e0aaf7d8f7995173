from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.events import InspectionRecorded
from kernel.outbox import record_event
from services.reports.database import OutboxMessage
from services.reports.inspections.models import Inspection


def inspection_recorded(session: Session, inspection: Inspection) -> None:
    record_event(
        session,
        OutboxMessage,
        "reports",
        "inspection.recorded",
        InspectionRecorded(
            inspection_id=inspection.id,
            street_id=inspection.street_id,
            level=inspection.level,
            coarse_litter=inspection.coarse_litter,
            fine_litter=inspection.fine_litter,
            inspected_at=inspection.inspected_at,
        ),
    )
