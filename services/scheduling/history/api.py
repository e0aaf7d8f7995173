from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kernel.auth import Principal, Role, require_roles
from kernel.service_app import SessionDep
from services.scheduling.history import service
from services.scheduling.history.schemas import StreetHistory

router = APIRouter(prefix="/api/v1/scheduling", tags=["history"])
Staff = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.INSPECTOR))]


@router.get("/streets/{street_id}/history", response_model=StreetHistory)
def street_history(
    street_id: int, session: SessionDep, _: Staff, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> StreetHistory:
    return StreetHistory.model_validate(service.street_history(session, street_id, limit))
