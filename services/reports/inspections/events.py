from __future__ import annotations

from sqlalchemy.orm import Session

from services.reports.database import OutboxMessage
from services.reports.inspections.models import Inspection
from streetcare.core.events import InspectionRecorded
from streetcare.core.outbox import record_event


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
