from __future__ import annotations

import functools

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kernel.settings import ProcessSettings, in_var_dir


class WorkerSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="WORKERS_", extra="ignore", populate_by_name=True)

    metrics_port: int = 8104
    metrics_host: str = "127.0.0.1"
    outbox_sweep_seconds: float = 5.0
    privacy_sweep_seconds: float = 24 * 3600.0
    nudge_sweep_seconds: float = 3600.0
    quiet_day_sweep_seconds: float = 3600.0  # nightly learning from streets nobody reported (idempotent)
    outbox_purge_seconds: float = 3600.0  # how often published outbox rows are purged
    outbox_retention_days: float = 7.0  # published rows are kept this long (to trace an event)
    max_retries: int = 6
    retry_backoff_max_seconds: int = 300
    beat_schedule_file: str = Field(default_factory=in_var_dir("celerybeat-schedule"))
    # A day's sub-problems solved as a Celery group on the `planner` queue (SCHEDULING_PLANNER_DISTRIBUTED):
    planner_results_prefix: str = "streetcare:planner-results:"
    """Where their solutions wait in Redis (the broker's Redis, under this key prefix)."""
    planner_results_expire_s: int = 3600
    """A solution nobody read (its re-plan died) is gone from Redis after this long."""
    planner_wait_margin_s: float = 60.0
    """How much longer than the sub-problems' solver budgets together a re-plan waits for the planner
    workers; then it solves what has not come back itself (a plan is always made)."""
    planner_help_while_waiting: bool = True
    """While it waits, the re-plan solves the sub-problems no worker has taken yet itself (so a re-plan
    on a busy or lone planner never waits for a queue that only it could serve)."""
    planner_poll_s: float = 0.2
    """How often the waiting re-plan looks at its sub-problems' states."""


@functools.cache
def worker_settings() -> WorkerSettings:
    """This worker process's settings, read once when first asked (a task's first run, the
    logging and metrics signals), never at import: importing the tasks reads no environment."""
    return WorkerSettings()
