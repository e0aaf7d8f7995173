from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kernel.auth import Principal, Role, require_roles
from kernel.responses import from_row
from kernel.service_app import SessionDep
from services.reports.inspections import repository, service
from services.reports.inspections.models import Inspection
from services.reports.inspections.schemas import InspectionCreate, InspectionOut
from services.reports.streets.service import street_names

router = APIRouter(prefix="/api/v1/reports/inspections", tags=["inspections"])
InspectorDep = Annotated[Principal, Depends(require_roles(Role.INSPECTOR))]
StaffDep = Annotated[Principal, Depends(require_roles(Role.INSPECTOR, Role.DISPATCHER))]


def _out(inspection: Inspection, names: dict[int, str]) -> InspectionOut:
    return from_row(InspectionOut, inspection, street_name=names[inspection.street_id])


@router.post("", status_code=201, response_model=InspectionOut)
def record_inspection(body: InspectionCreate, session: SessionDep, principal: InspectorDep) -> InspectionOut:
    """Inspector: record a street's CROW level (A+ … D) with coarse and fine litter counts."""
    inspection = service.record(session, body, principal.subject)
    return _out(inspection, street_names(session, {inspection.street_id}))


@router.get("", response_model=list[InspectionOut])
def list_inspections(
    session: SessionDep,
    _: StaffDep,
    street_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InspectionOut]:
    inspections = repository.for_street(session, street_id, limit)
    names = street_names(session, {i.street_id for i in inspections})
    return [_out(i, names) for i in inspections]
