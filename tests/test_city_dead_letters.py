"""`streetcare dead-letters` reads the Redis the local stack runs (found by its data dir under var/),
or REDIS_URL, and says which one it read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from kernel.bus import DeadLetterQueue
from streetcare.local import free_port, redis_server_binary


@pytest.fixture
def stack_redis(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A redis-server started as `make run` starts it, with its data under <var>/redis."""
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("no redis-server")
    var = tmp_path / "var"
    (var / "redis").mkdir(parents=True)
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(var / "redis")],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield var, url
    finally:
        server.terminate()
        server.wait(timeout=10)


def dead_letters(var: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update({"STREETCARE_VAR_DIR": str(var), **env})
    return subprocess.run(
        [sys.executable, "-m", "streetcare.cli", "dead-letters"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_reads_the_local_stacks_redis_and_says_so(stack_redis: tuple[Path, str]) -> None:
    var, url = stack_redis
    DeadLetterQueue(redis.Redis.from_url(url)).push("reports", {"id": "x-1"}, "handler failed")
    done = dead_letters(var)
    assert done.returncode == 0, done.stderr
    assert f"reading {url}" in done.stderr and "make run" in done.stderr
    assert "x-1" in done.stdout and "1 message(s)" in done.stderr


def test_redis_url_wins_and_a_dead_redis_is_named(stack_redis: tuple[Path, str], tmp_path: Path) -> None:
    var, _ = stack_redis
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    done = dead_letters(var, REDIS_URL=nowhere)
    assert done.returncode == 2 and f"reading {nowhere} (REDIS_URL)" in done.stderr and "does not answer" in done.stderr
    elsewhere = dead_letters(tmp_path / "no-stack-here")
    assert "redis://127.0.0.1:6379/0 (the default" in elsewhere.stderr
