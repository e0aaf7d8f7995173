"""Celery tasks. Each service is reached only through its public `handlers` module."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from celery import Task, shared_task

from kernel import metrics
from kernel.bus import DeadLetterQueue, make_redis
from kernel.consumer import MalformedEvent
from kernel.events import SERVICES, consumer_queue
from kernel.handlers import ServiceEventHandlers
from services.reports import handlers as reports_handlers
from services.scheduling import handlers as scheduling_handlers
from services.volunteers import handlers as volunteers_handlers
from workers.planner import SOLVE_TASK, GroupSolver
from workers.settings import worker_settings

log = structlog.get_logger(__name__)

SERVICE_HANDLERS: dict[str, ServiceEventHandlers] = {
    "scheduling": scheduling_handlers.events,
    "reports": reports_handlers.events,
    "volunteers": volunteers_handlers.events,
}


def _dead_letters() -> DeadLetterQueue:
    return DeadLetterQueue(make_redis(worker_settings().redis_url))


def _consume(task: Task[..., str], service: str, message: Any) -> str:
    try:
        return SERVICE_HANDLERS[service].consume(message).value
    except MalformedEvent as exc:
        _dead_letters().push(service, message, f"malformed: {exc}")
        SERVICE_HANDLERS[service].confirm(message)  # it can never apply: kept here, not offered again
        metrics.EVENTS_CONSUMED.labels(service, _type_of(message), "dead_lettered").inc()
        log.error("event.dead_lettered", service=service, reason=str(exc))
        return "dead_lettered"
    except Exception as exc:
        if task.request.retries >= worker_settings().max_retries:
            _dead_letters().push(service, message, f"gave up after {task.request.retries} retries: {exc!r}")
            metrics.EVENTS_CONSUMED.labels(service, _type_of(message), "dead_lettered").inc()
            log.error("event.dead_lettered", service=service, reason=repr(exc))
            return "dead_lettered"
        countdown = min(worker_settings().retry_backoff_max_seconds, 2**task.request.retries)
        metrics.EVENTS_CONSUMED.labels(service, _type_of(message), "retried").inc()
        log.warning("event.retry", service=service, error=repr(exc), retries=task.request.retries, countdown=countdown)
        raise task.retry(exc=exc, countdown=countdown) from exc


def _type_of(message: Any) -> str:
    event_type = message.get("type") if isinstance(message, dict) else None
    return event_type if isinstance(event_type, str) and len(event_type) < 64 else "unknown"


@shared_task(bind=True, name="scheduling.consume_event", acks_late=True, max_retries=None)
def scheduling_consume_event(self: Task[[Any], str], message: Any) -> str:
    return _consume(self, "scheduling", message)


@shared_task(bind=True, name="reports.consume_event", acks_late=True, max_retries=None)
def reports_consume_event(self: Task[[Any], str], message: Any) -> str:
    return _consume(self, "reports", message)


@shared_task(bind=True, name="volunteers.consume_event", acks_late=True, max_retries=None)
def volunteers_consume_event(self: Task[[Any], str], message: Any) -> str:
    return _consume(self, "volunteers", message)


@shared_task(name="maintenance.sweep_outbox", acks_late=True)
def sweep_outbox(service: str) -> int:
    handlers = SERVICE_HANDLERS[service]
    sent = handlers.sweep_outbox()
    pending, oldest = handlers.outbox_stats()
    metrics.OUTBOX_PENDING.labels(service).set(pending)
    metrics.OUTBOX_OLDEST_AGE.labels(service).set(oldest)
    if sent:
        log.info("outbox.swept", service=service, sent=sent)
    return sent


@shared_task(name="maintenance.purge_outbox")
def purge_outbox(service: str) -> int:
    """Published outbox rows older than the retention window go: the table holds what is
    waiting, plus a week to trace an event by, not every event ever sent."""
    purged = SERVICE_HANDLERS[service].purge_outbox(timedelta(days=worker_settings().outbox_retention_days))
    if purged:
        log.info("outbox.purged", service=service, rows=purged)
    return purged


@shared_task(name="maintenance.observe_queues")
def observe_queues() -> dict[str, int]:
    redis = make_redis(worker_settings().redis_url)
    depths = {consumer_queue(s): int(redis.llen(consumer_queue(s))) for s in SERVICES}
    for queue, depth in depths.items():
        metrics.QUEUE_DEPTH.labels(queue).set(depth)
    metrics.DEAD_LETTERS.set(DeadLetterQueue(redis).count())
    return depths


def _group_solver(task: Task[..., Any]) -> GroupSolver:
    """How this re-plan would have its sub-problems solved across the planner workers (it does when
    SCHEDULING_PLANNER_DISTRIBUTED says so and the day is large enough)."""
    return GroupSolver(task.app, worker_settings(), scheduling_handlers.solve_subproblem)


@shared_task(bind=True, name="scheduling.replan_day", acks_late=True)
def scheduling_replan_day(self: Task[[str], dict[str, Any]], iso_date: str) -> dict[str, Any]:
    """The debounced re-plan the scheduling service requests after events (queue scheduling.planning)."""
    return scheduling_handlers.replan_day(iso_date, solve_elsewhere=_group_solver(self))


@shared_task(bind=True, name="scheduling.replan_dirty", acks_late=True)
def scheduling_replan_dirty(self: Task[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Beat's safety net: re-plan dirty days (and today/tomorrow when they have no plan yet)."""
    return scheduling_handlers.replan_dirty_days(solve_elsewhere=_group_solver(self))


@shared_task(bind=True, name=SOLVE_TASK, acks_late=True, ignore_result=False, track_started=True)
def planner_solve_subproblem(
    self: Task[[dict[str, Any]], dict[str, Any]], subproblem: dict[str, Any]
) -> dict[str, Any]:
    """One sub-problem of a re-plan's day (queue planner): its solution goes back through the result
    backend to the re-plan that sent it (workers/planner.py)."""
    solution = scheduling_handlers.solve_subproblem(subproblem)
    return {**solution, "solved_by": self.request.hostname or "a planner worker"}


@shared_task(name="scheduling.learn_from_quiet_day", acks_late=True)
def scheduling_learn_from_quiet_day() -> dict[str, Any]:
    """Each night the streets nobody reported the day before learn from the silence (as in the simulator)."""
    return scheduling_handlers.learn_from_quiet_day()


@shared_task(name="maintenance.erase_expired_personal_data", acks_late=True)
def reports_erase_expired_personal_data() -> int:
    """Reporters' personal data is kept only for the retention period (privacy by default)."""
    erased = reports_handlers.erase_expired_personal_data()
    if erased:
        log.info("reports.personal_data_erased", reports=erased)
    return erased


@shared_task(name="maintenance.nudge_adopters", acks_late=True)
def volunteers_nudge_adopters() -> dict[str, Any]:
    """Reminders for quiet adopters and lapses for silent ones, so the planner stops counting on them."""
    return volunteers_handlers.send_nudges_and_mark_lapses()
