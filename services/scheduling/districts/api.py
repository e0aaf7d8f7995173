from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kernel.auth import Principal, Role, require_roles
from kernel.service_app import SessionDep
from services.scheduling.districts import service
from services.scheduling.districts.schemas import (
    DistrictBaselineIn,
    DistrictBaselineOut,
    DistrictTargetIn,
    DistrictTargetOut,
)

router = APIRouter(prefix="/api/v1/scheduling", tags=["districts"])
Dispatcher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]


@router.get("/district-targets", response_model=list[DistrictTargetOut])
def list_targets(session: SessionDep, _: Dispatcher) -> list[DistrictTargetOut]:
    return [DistrictTargetOut.model_validate(row) for row in service.district_targets(session)]


@router.put("/district-targets/{district}", response_model=DistrictTargetOut)
def set_target(district: str, body: DistrictTargetIn, session: SessionDep, _: Dispatcher) -> DistrictTargetOut:
    return DistrictTargetOut.model_validate(service.set_target(session, district, body.target_level))


@router.get("/district-baselines", response_model=list[DistrictBaselineOut])
def list_baselines(session: SessionDep, _: Dispatcher) -> list[DistrictBaselineOut]:
    """The average effort each district works from (crew hours per week; null: the city's average)."""
    return [DistrictBaselineOut.model_validate(row) for row in service.district_baselines(session)]


@router.put("/district-baselines/{district}", response_model=DistrictBaselineOut)
def set_baseline(district: str, body: DistrictBaselineIn, session: SessionDep, _: Dispatcher) -> DistrictBaselineOut:
    return DistrictBaselineOut.model_validate(service.set_baseline(session, district, body.hours_per_week))
