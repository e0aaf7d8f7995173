"""Celery tasks. Each service is reached only through its public `handlers` module."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import structlog
from celery import Task, current_app, shared_task
from celery_batches import Batches, SimpleRequest

from kernel import metrics
from kernel.bus import DeadLetterQueue, make_redis
from kernel.consumer import MalformedEvent, Outcome
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


# Events are taken off a queue in batches (celery-batches): up to EVENT_BATCH_SIZE messages that
# arrived within EVENT_BATCH_WAIT_S of the first are applied together and acknowledged after the
# commit (acks_late), so a burst costs one commit per batch instead of one per event. A message
# holds a list of events (what one publish batch had for this service: kernel.bus.publish_many),
# or, sent by an older version, one event; a batch's events are applied in transactions of at most
# EVENTS_PER_TRANSACTION, so a backlog does not hold the database's write lock for long. The
# worker's prefetch must hold a batch: --prefetch-multiplier × --concurrency ≥ EVENT_BATCH_SIZE.
EVENT_BATCH_SIZE = 32
EVENT_BATCH_WAIT_S = 0.02
EVENTS_PER_TRANSACTION = 200


def events_of(arguments: Sequence[Sequence[Any]]) -> list[Any]:
    """The events that messages with these arguments carry, in order (anything else is kept as it
    came, to be dead-lettered as malformed)."""
    events: list[Any] = []
    for args in arguments:
        if len(args) != 1:
            events.append(list(args))
        elif isinstance(args[0], list):
            events.extend(args[0])
        else:
            events.append(args[0])
    return events


def _consume_batch(service: str, requests: Sequence[SimpleRequest]) -> list[str]:
    """Apply what arrived together. An event that can never apply is dead-lettered; one that
    failed goes alone to ``<service>.consume_event_again``, which retries it with back-off."""
    messages = events_of([request.args for request in requests])
    answers: list[str] = []
    for start in range(0, len(messages), EVENTS_PER_TRANSACTION):
        some = messages[start : start + EVENTS_PER_TRANSACTION]
        results = SERVICE_HANDLERS[service].consume_many(some)
        for message, result in zip(some, results, strict=True):
            if isinstance(result, Outcome):
                answers.append(result.value)
            elif isinstance(result, MalformedEvent):
                answers.append(_dead_letter(service, message, result))
            else:
                answers.append(_try_again_alone(service, message, result))
    return answers


def _dead_letter(service: str, message: Any, reason: MalformedEvent) -> str:
    _dead_letters().push(service, message, f"malformed: {reason}")
    SERVICE_HANDLERS[service].confirm(message)  # it can never apply: kept here, not offered again
    metrics.EVENTS_CONSUMED.labels(service, _type_of(message), "dead_lettered").inc()
    log.error("event.dead_lettered", service=service, reason=str(reason))
    return "dead_lettered"


def _try_again_alone(service: str, message: Any, error: Exception) -> str:
    metrics.EVENTS_CONSUMED.labels(service, _type_of(message), "retried").inc()
    log.warning("event.retry", service=service, error=repr(error), retries=0, countdown=1)
    try:
        current_app.send_task(
            f"{service}.consume_event_again", args=[message], queue=consumer_queue(service), countdown=1
        )
    except Exception as exc:  # unconfirmed, so the sending service's outbox offers it again
        log.warning("event.retry_not_sent", service=service, error=repr(exc))
    return "retried"


def _consume(task: Task[..., str], service: str, message: Any) -> str:
    """One event alone, retried with back-off by Celery until it applies or is dead-lettered."""
    try:
        return SERVICE_HANDLERS[service].consume(message).value
    except MalformedEvent as exc:
        return _dead_letter(service, message, exc)
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


# celery-batches ships no type information: its task class, as the Celery task it is
BatchTask: type[Task[Any, Any]] = Batches


def _batch_consumer(service: str) -> Task[Any, Any]:
    """The task that takes `service`'s events off its queue (`<service>.consume_event`), in batches."""

    def consume_events(requests: list[SimpleRequest]) -> list[str]:
        return _consume_batch(service, requests)

    consume_events.__name__ = consume_events.__qualname__ = f"{service}_consume_events"
    return shared_task(
        base=BatchTask,
        name=f"{service}.consume_event",
        acks_late=True,
        flush_every=EVENT_BATCH_SIZE,
        flush_interval=EVENT_BATCH_WAIT_S,
    )(consume_events)


scheduling_consume_events = _batch_consumer("scheduling")
reports_consume_events = _batch_consumer("reports")
volunteers_consume_events = _batch_consumer("volunteers")


@shared_task(bind=True, name="scheduling.consume_event_again", acks_late=True, max_retries=None)
def scheduling_consume_event_again(self: Task[[Any], str], message: Any) -> str:
    return _consume(self, "scheduling", message)


@shared_task(bind=True, name="reports.consume_event_again", acks_late=True, max_retries=None)
def reports_consume_event_again(self: Task[[Any], str], message: Any) -> str:
    return _consume(self, "reports", message)


@shared_task(bind=True, name="volunteers.consume_event_again", acks_late=True, max_retries=None)
def volunteers_consume_event_again(self: Task[[Any], str], message: Any) -> str:
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
