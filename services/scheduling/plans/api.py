from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from kernel.auth import Principal, Role, require_roles
from kernel.service_app import SessionDep, settings_of
from services.scheduling.dirty import service as dirty
from services.scheduling.plans import directives, exports, queue, service
from services.scheduling.plans.models import PlanDirective
from services.scheduling.plans.schemas import (
    DirectiveOut,
    MoveIn,
    PlanBeingMade,
    PlanDiff,
    PlanOut,
    UncoveredQueue,
    VersionSummary,
    VisitDoneIn,
    VisitOut,
)
from services.scheduling.replan_jobs import service as replan_jobs
from services.scheduling.replan_jobs.schemas import ReplanJobOut
from services.scheduling.settings import SchedulingSettings

router = APIRouter(prefix="/api/v1/scheduling", tags=["plans"])
Dispatcher = Annotated[Principal, Depends(require_roles(Role.DISPATCHER))]


@router.get("/plan-days")
def plan_days(session: SessionDep, _: Dispatcher) -> dict[str, Any]:
    """The city's today and tomorrow (plans are dated in city time) and which days wait for a re-plan."""
    tz = dirty.city_timezone(session)
    today = dirty.today(tz)
    return {
        "timezone": str(tz),
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "dirty": dirty.dirty_days(session),
    }


PLAN_RETRY_AFTER_S = 5


@router.get(
    "/plans/{plan_date}",
    response_model=PlanOut,
    responses={202: {"model": PlanBeingMade, "description": "no version yet; the planner is making the first"}},
)
def latest_plan(plan_date: date, session: SessionDep, _: Dispatcher) -> PlanOut | JSONResponse:
    """The latest version of a day's plan; 202 `{"status": "planning"}` (with Retry-After) while the
    first version of today's, tomorrow's or a dirty day's plan is still being made."""
    if service.latest_version_number(session, plan_date) is None and service.plan_coming(session, plan_date):
        pending = PlanBeingMade(
            plan_date=plan_date,
            detail=f"the plan for {plan_date.isoformat()} is being made; ask again in a few seconds",
        )
        return JSONResponse(
            pending.model_dump(mode="json"), status_code=202, headers={"Retry-After": str(PLAN_RETRY_AFTER_S)}
        )
    return PlanOut.model_validate(service.plan_view(session, plan_date))


@router.get("/plans/{plan_date}/uncovered", response_model=UncoveredQueue)
def uncovered_streets(
    plan_date: date,
    session: SessionDep,
    _: Dispatcher,
    limit: Annotated[int, Query(ge=1, le=500)] = queue.QUEUE_LIMIT,
) -> UncoveredQueue:
    """The work queue's streets below target that nobody covers on the day, worst first."""
    return UncoveredQueue.model_validate(queue.uncovered(session, plan_date, limit))


@router.get("/plans/{plan_date}/versions", response_model=list[VersionSummary])
def plan_versions(plan_date: date, session: SessionDep, _: Dispatcher) -> list[VersionSummary]:
    return [VersionSummary.model_validate(v) for v in service.versions_view(session, plan_date)]


@router.get("/plans/{plan_date}/versions/{version}", response_model=PlanOut)
def plan_version(plan_date: date, version: int, session: SessionDep, _: Dispatcher) -> PlanOut:
    return PlanOut.model_validate(service.plan_view(session, plan_date, version))


@router.get("/plans/{plan_date}/versions/{version}/diff", response_model=PlanDiff)
def plan_diff(
    plan_date: date,
    version: int,
    session: SessionDep,
    _: Dispatcher,
    against: Annotated[int | None, Query(ge=1, description="default: the version before")] = None,
) -> PlanDiff:
    return PlanDiff.model_validate(service.diff_view(session, plan_date, version, against))


REPLAN_POLL_AFTER_S = 1


@router.post(
    "/plans/{plan_date}/replan",
    response_model=ReplanJobOut,
    status_code=202,
    responses={202: {"description": "the re-plan job (stored); follow it at the Location header"}},
)
def replan_now(plan_date: date, session: SessionDep, principal: Dispatcher) -> JSONResponse:
    """Ask the planner to re-plan the day now: 202 with the job (queued, or the day's job that is
    already queued or running) and its URL in `Location`; the planner worker makes the version."""
    job, _created = service.request_replan(session, plan_date, principal.subject)
    body = replan_jobs.view(job)
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=202,
        headers={"Location": body.url, "Retry-After": str(REPLAN_POLL_AFTER_S)},
    )


@router.get("/plans/{plan_date}/export.csv")
def export_csv(plan_date: date, session: SessionDep, _: Dispatcher) -> Response:
    plan = service.plan_view(session, plan_date)
    return Response(
        exports.to_csv(plan),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_date}-v{plan["version"]}.csv"'},
    )


@router.get("/plans/{plan_date}/export.geojson")
def export_geojson(plan_date: date, session: SessionDep, _: Dispatcher) -> JSONResponse:
    plan = service.plan_view(session, plan_date)
    return JSONResponse(exports.to_geojson(session, plan), media_type="application/geo+json")


@router.get("/plans/{plan_date}/crews/{crew_id}/print", response_class=HTMLResponse)
def print_crew(plan_date: date, crew_id: int, request: Request, session: SessionDep, _: Dispatcher) -> HTMLResponse:
    plan = service.plan_view(session, plan_date)
    return HTMLResponse(exports.crew_page(plan, crew_id, settings_of(request, SchedulingSettings).city_name))


@router.post("/visits/{visit_id}/start", response_model=VisitOut)
def start_visit(visit_id: int, session: SessionDep, _: Dispatcher) -> VisitOut:
    return service.visit_view(service.start_visit(session, visit_id))


@router.post("/visits/{visit_id}/done", response_model=VisitOut)
def complete_visit(visit_id: int, session: SessionDep, _: Dispatcher, body: VisitDoneIn | None = None) -> VisitOut:
    """Done, with the bags collected when the crew took any away and the CROW level it found."""
    bags = body.bags_collected if body is not None else None
    level = body.level_found if body is not None else None
    visit = service.complete_visit(session, visit_id, bags_collected=bags, level_found=level)
    return service.visit_view(visit)


@router.post("/visits/{visit_id}/undo-done", response_model=VisitOut)
def undo_done(visit_id: int, session: SessionDep, _: Dispatcher) -> VisitOut:
    """A done made by mistake: the visit, the street's estimate and history as before it."""
    return service.visit_view(service.undo_done(session, visit_id))


# --- the dispatcher's directives: the next re-plan respects them --------------------------


def _directives_out(session: SessionDep, rows: Sequence[PlanDirective]) -> list[DirectiveOut]:
    return [DirectiveOut.model_validate(d) for d in directives.describe(session, rows)]


@router.get("/plans/{plan_date}/directives", response_model=list[DirectiveOut])
def list_directives(plan_date: date, session: SessionDep, _: Dispatcher) -> list[DirectiveOut]:
    return [DirectiveOut.model_validate(d) for d in directives.view(session, plan_date)]


@router.post("/visits/{visit_id}/pin", response_model=list[DirectiveOut], status_code=201)
def pin_visit(visit_id: int, session: SessionDep, principal: Dispatcher) -> list[DirectiveOut]:
    """The visit stays on its crew that day, whatever the optimiser thinks."""
    rows = directives.pin(session, visit_id, principal.subject)
    return _directives_out(session, rows)


@router.post("/visits/{visit_id}/move", response_model=list[DirectiveOut], status_code=201)
def move_visit(visit_id: int, body: MoveIn, session: SessionDep, principal: Dispatcher) -> list[DirectiveOut]:
    """To another crew and/or day, pinned there (and dropped from its own day when the day changes)."""
    rows = directives.move(session, visit_id, body.crew_id, body.plan_date, principal.subject)
    return _directives_out(session, rows)


@router.post("/visits/{visit_id}/drop", response_model=list[DirectiveOut], status_code=201)
def drop_visit(visit_id: int, session: SessionDep, principal: Dispatcher) -> list[DirectiveOut]:
    """Not planned that day, until the drop is taken back."""
    rows = directives.drop(session, visit_id, principal.subject)
    return _directives_out(session, rows)


@router.delete("/directives/{directive_id}", status_code=204)
def remove_directive(directive_id: int, session: SessionDep, _: Dispatcher) -> Response:
    """Unpin or undrop (a move: both halves)."""
    directives.remove(session, directive_id)
    return Response(status_code=204)
