"""Inspections: an inspector's CROW measurement of a street, published as `inspection.recorded`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from kernel.errors import NotFound, Unprocessable
from services.reports.inspections import events
from services.reports.inspections.models import Inspection
from services.reports.inspections.schemas import InspectionCreate
from services.reports.streets import repository as streets


def record(session: Session, body: InspectionCreate, inspector: str) -> Inspection:
    if streets.get(session, body.street_id) is None:
        raise NotFound(f"there is no street {body.street_id}")
    now = datetime.now(UTC)
    inspected_at = body.inspected_at or now
    if inspected_at.tzinfo is None:
        inspected_at = inspected_at.replace(tzinfo=UTC)
    if inspected_at > now + timedelta(minutes=5):
        raise Unprocessable("an inspection cannot be in the future")
    inspection = Inspection(
        street_id=body.street_id,
        level=body.level,
        coarse_litter=body.coarse_litter,
        fine_litter=body.fine_litter,
        note=body.note.strip(),
        inspector=inspector[:80],
        inspected_at=inspected_at,
    )
    session.add(inspection)
    session.flush()
    events.inspection_recorded(session, inspection)
    return inspection
