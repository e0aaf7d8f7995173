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


@functools.cache
def worker_settings() -> WorkerSettings:
    """This worker process's settings, read once when first asked (a task's first run, the
    logging and metrics signals), never at import: importing the tasks reads no environment."""
    return WorkerSettings()
