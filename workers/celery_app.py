"""The one Celery app: a named queue per consuming service, JSON only, acks late, prefetch 1.

Queues: each service's events, `maintenance`, `scheduling.planning` (the re-plans) and `planner` (a
re-plan's sub-problems, solved as a Celery group across the planner workers: workers/planner.py;
their solutions are the only results kept, in Redis under their own prefix, expiring).

Consumers retry with exponential backoff; a message that can never apply (malformed, unknown
type) or that keeps failing goes to the dead-letter list with its reason, so one bad message
never blocks a queue. The correlation id of the request that caused an event rides in the
message headers and is bound to every log line the task writes.
"""

from __future__ import annotations

import sys
from typing import Any

from celery import Celery, signals
from kombu import Queue

from kernel.bus import celery_config
from kernel.events import SERVICES, consumer_queue
from kernel.logs import (
    bind_correlation_id,
    configure_logging,
    current_correlation_id,
)
from kernel.redis_target import RedisTarget
from services.scheduling import handlers as scheduling_handlers
from workers.planner import PLANNER_QUEUE, SOLVE_TASK, results_config
from workers.settings import WorkerSettings, worker_settings
from workers.transport import transport_for

PLANNING_QUEUE = "scheduling.planning"
# how long a thread of the worker may hold the GIL while another waits (Python's default: 5 ms)
GIL_SWITCH_INTERVAL_S = 0.0005
MAINTENANCE_QUEUE = "maintenance"


def create_celery(settings: WorkerSettings | None = None) -> Celery:
    """A Celery app for `settings`, or for the environment as it is now (a fresh read, so an app
    built after the environment changed follows it)."""
    settings = settings or WorkerSettings()
    app = Celery("streetcare")
    app.conf.update(celery_config(settings.redis_url, settings.broker_visibility_timeout_s))
    # the Redis transport, minus a defect that turns a Redis restart into a dead worker
    app.conf.broker_transport = transport_for(RedisTarget.parse(settings.redis_url).is_sentinel)
    # only the planner's sub-problems keep a result (their solutions go back to the re-plan that sent them)
    app.conf.update(results_config(settings))
    app.conf.update(
        task_queues=[Queue(consumer_queue(s)) for s in SERVICES]
        + [Queue(PLANNING_QUEUE), Queue(MAINTENANCE_QUEUE), Queue(PLANNER_QUEUE)],
        task_routes={SOLVE_TASK: {"queue": PLANNER_QUEUE}},
        task_default_queue=MAINTENANCE_QUEUE,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        beat_schedule={
            **{
                f"{s}-outbox-sweep": {
                    "task": "maintenance.sweep_outbox",
                    "schedule": settings.outbox_sweep_seconds,
                    "args": [s],
                    "options": {"queue": MAINTENANCE_QUEUE, "expires": settings.outbox_sweep_seconds * 2},
                }
                for s in SERVICES
            },
            **{
                f"{s}-outbox-purge": {
                    "task": "maintenance.purge_outbox",
                    "schedule": settings.outbox_purge_seconds,
                    "args": [s],
                    "options": {"queue": MAINTENANCE_QUEUE, "expires": settings.outbox_purge_seconds},
                }
                for s in SERVICES
            },
            "scheduling-replan-sweep": {
                "task": "scheduling.replan_dirty",
                "schedule": scheduling_handlers.replan_sweep_seconds(),
                "options": {"queue": PLANNING_QUEUE, "expires": scheduling_handlers.replan_sweep_seconds()},
            },
            "scheduling-learn-from-quiet-day": {
                "task": "scheduling.learn_from_quiet_day",
                "schedule": settings.quiet_day_sweep_seconds,
                "options": {"queue": PLANNING_QUEUE, "expires": settings.quiet_day_sweep_seconds},
            },
            "reports-erase-expired-personal-data": {
                "task": "maintenance.erase_expired_personal_data",
                "schedule": settings.privacy_sweep_seconds,
                "options": {"queue": MAINTENANCE_QUEUE, "expires": settings.privacy_sweep_seconds},
            },
            "volunteers-nudge-adopters": {
                "task": "maintenance.nudge_adopters",
                "schedule": settings.nudge_sweep_seconds,
                "options": {"queue": MAINTENANCE_QUEUE, "expires": settings.nudge_sweep_seconds},
            },
            "queue-metrics": {
                "task": "maintenance.observe_queues",
                "schedule": 15.0,
                "options": {"queue": MAINTENANCE_QUEUE, "expires": 30},
            },
        },
        beat_schedule_filename=settings.beat_schedule_file,
    )
    app.autodiscover_tasks(["workers"], related_name="tasks", force=True)
    return app


@signals.before_task_publish.connect
def _carry_correlation_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and "correlation_id" not in headers:
        correlation_id = current_correlation_id()
        if correlation_id:
            headers["correlation_id"] = correlation_id


@signals.task_prerun.connect
def _bind_correlation_id(task: Any = None, **_: Any) -> None:
    correlation_id = getattr(task.request, "correlation_id", None) if task else None
    headers = getattr(task.request, "headers", None) or {}
    bind_correlation_id(headers.get("correlation_id") or correlation_id or None)


@signals.worker_init.connect
def _switch_threads_often(**_: Any) -> None:
    """The worker's main thread takes each message off Redis with a few round trips, and after
    each it must win the GIL back from the threads applying batches, which keep it for up to the
    switch interval (5 ms by default): under load, waiting for the GIL set how many messages a
    second the worker could take, and its queue grew while its threads had work to spare."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


@signals.worker_ready.connect
def _serve_metrics(sender: Any = None, **_: Any) -> None:
    """Each worker process serves /metrics; the port comes from WORKERS_METRICS_PORT."""
    from prometheus_client import start_http_server

    settings = worker_settings()
    if settings.metrics_port:
        start_http_server(settings.metrics_port, addr=settings.metrics_host)


@signals.setup_logging.connect
def _configure_logging(**_: Any) -> None:
    settings = worker_settings()
    configure_logging("worker", settings.log_level, settings.log_json)


app = create_celery()
