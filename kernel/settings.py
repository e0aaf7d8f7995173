"""Settings shared by every process.

Each service owns one pydantic-settings class with its own env prefix (`SCHEDULING_`, ...); the
fields every process needs (Redis, token secrets, demo mode) are declared once here under their
plain, documented names (`REDIS_URL`, `STREETCARE_*`), so one environment configures the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.redis_target import RedisTarget

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "replace-me", "secret", "placeholder"})
DEMO_TOKEN_SECRET = "streetcare-demo-token-secret-not-for-production"
DEMO_SERVICE_TOKEN = "streetcare-demo-service-token-not-for-production"

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VAR_DIR = REPO_ROOT / "var"

# STREETCARE_LOG_LEVEL in any case ("WARNING", "debug"); lower case is what uvicorn and Celery both take
LogLevel = Annotated[
    Literal["debug", "info", "warning", "error", "critical"], BeforeValidator(lambda value: str(value).strip().lower())
]


class ProcessSettings(BaseSettings):
    """Base class: each service subclasses it with `SettingsConfigDict(env_prefix=...)`."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # where the process keeps its files; the default paths below (SQLite files, mail, photos) lie in it
    var_dir: Path = Field(default=DEFAULT_VAR_DIR, validation_alias="STREETCARE_VAR_DIR")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    token_secret: str = Field(default="", validation_alias="STREETCARE_TOKEN_SECRET")
    token_secret_previous: str = Field(default="", validation_alias="STREETCARE_TOKEN_SECRET_PREVIOUS")
    service_token: str = Field(default="", validation_alias="STREETCARE_SERVICE_TOKEN")
    demo_mode: bool = Field(default=False, validation_alias="STREETCARE_DEMO_MODE")
    token_ttl_seconds: int = Field(default=3600, validation_alias="STREETCARE_TOKEN_TTL_SECONDS")
    log_level: LogLevel = Field(default="info", validation_alias="STREETCARE_LOG_LEVEL")
    log_json: bool = Field(default=True, validation_alias="STREETCARE_LOG_JSON")
    # A message taken by a worker that dies comes back after this long (acks_late); consumers are
    # idempotent, so a slow task seen twice is harmless. Operators may shorten it.
    broker_visibility_timeout_s: int = Field(default=300, validation_alias="STREETCARE_BROKER_VISIBILITY_TIMEOUT")
    # An event the broker took but no subscriber confirmed within this long is sent again (the
    # wait grows with the event's age up to an hour); consumers are idempotent, so a slow one
    # sees a harmless duplicate. It must exceed the usual time from publish to applied.
    outbox_redeliver_after_s: float = Field(default=60.0, gt=0, validation_alias="STREETCARE_OUTBOX_REDELIVER_AFTER_S")
    # Requests a service process works on at once (FastAPI's worker threads for `def` routes), and
    # the database connections its pool keeps for them (a few more for the publisher thread,
    # readiness and metrics): a thread never waits for a connection, and no connection idles
    # for want of a thread. Anyio's default is 40 threads behind a pool of 5 + 10. Mind PostgreSQL's
    # max_connections (100 by default): every process keeps up to this many connections open.
    web_threads: int = Field(default=8, ge=1, le=200, validation_alias="STREETCARE_WEB_THREADS")
    # An API process publishes committed events from a thread of its own, in batches, so a request
    # neither waits for the broker nor pays a second transaction (kernel.outbox.BackgroundPublisher).
    # Off: each request publishes its own events after its answer, on its own thread.
    outbox_publish_in_background: bool = Field(default=True, validation_alias="STREETCARE_OUTBOX_PUBLISH_IN_BACKGROUND")
    # How long the publisher thread lets events gather after the first before it sends them: a
    # batch is one message per subscriber, and a message costs sender and consumer far more than
    # an event in it. Under load this is what keeps the consumer ahead; idle, an event waits this
    # much longer. 0: send each as it comes.
    outbox_publish_linger_ms: float = Field(
        default=5.0, ge=0, le=1000, validation_alias="STREETCARE_OUTBOX_PUBLISH_LINGER_MS"
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_url_names_a_deployment(cls, value: str) -> str:
        """A REDIS_URL no client can use stops the process at start, saying why."""
        RedisTarget.parse(value)
        return value

    @model_validator(mode="after")
    def _secrets_must_be_real(self) -> ProcessSettings:
        if self.demo_mode:
            if not self.token_secret:
                self.token_secret = DEMO_TOKEN_SECRET
            if not self.service_token:
                self.service_token = DEMO_SERVICE_TOKEN
            return self
        for field in ("token_secret", "service_token"):
            value = getattr(self, field)
            if value.lower() in PLACEHOLDER_SECRETS or len(value) < 16:
                raise ValueError(
                    f"STREETCARE_{field.upper()} is missing or a placeholder; set a random value of at "
                    "least 16 characters (or STREETCARE_DEMO_MODE=1 for a local demo)"
                )
        return self

    @property
    def accepted_token_secrets(self) -> list[str]:
        previous = [s for s in self.token_secret_previous.split(",") if s.strip()]
        return [self.token_secret, *previous]


def sqlite_url(var_dir: Path, service: str) -> str:
    return f"sqlite:///{var_dir / f'{service}.db'}"


def sqlite_in_var_dir(service: str) -> Callable[[dict[str, Any]], str]:
    """A `database_url` default: the service's SQLite file in the settings' own `var_dir`."""
    return lambda data: sqlite_url(data["var_dir"], service)


def in_var_dir(name: str) -> Callable[[dict[str, Any]], str]:
    """A path setting's default: `name` inside the settings' own `var_dir`."""
    return lambda data: str(Path(data["var_dir"]) / name)
