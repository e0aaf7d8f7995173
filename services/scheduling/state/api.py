"""A street as scheduling sees it now: its expected level, target, adoption and open reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kernel.auth import Principal, Role, require_roles
from kernel.service_app import SessionDep
from kernel.types import IdPath
from services.scheduling.state import service
from services.scheduling.state.schemas import StreetDetail

router = APIRouter(prefix="/api/v1/scheduling", tags=["streets"])


@router.get("/street-map")
def street_map(
    session: SessionDep, _: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]
) -> dict[str, object]:
    """Every street as GeoJSON with its estimated level, target level, adoption and open reports."""
    return service.street_map(session)


@router.get("/streets/{street_id}", response_model=StreetDetail)
def get_street(street_id: IdPath, session: SessionDep) -> StreetDetail:
    return service.street_detail(session, street_id)
