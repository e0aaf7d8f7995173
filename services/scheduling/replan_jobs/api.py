from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from kernel.auth import Principal, Role, require_roles
from kernel.service_app import SessionDep
from services.scheduling.replan_jobs import service
from services.scheduling.replan_jobs.schemas import ReplanJobOut

router = APIRouter(prefix="/api/v1/scheduling", tags=["plans"])
Dispatcher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]


@router.get("/replan-jobs/{job_id}", response_model=ReplanJobOut)
def replan_job(
    job_id: Annotated[str, Path(min_length=1, max_length=36)], session: SessionDep, _: Dispatcher
) -> ReplanJobOut:
    """A re-plan asked for with `POST …/plans/{date}/replan`: queued, running (seconds so far),
    done (the version and how long it took) or failed (why)."""
    return service.view(service.get(session, job_id))
