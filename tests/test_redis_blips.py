"""A Redis that answers late once (a busy host, a failover, a fork for a rewrite) is a blip, not
an outage: a session check must not fail closed with 503 for it. Real Redis, really paused."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio as aioredis

from kernel.blocking import run_to_completion
from kernel.bus import BROKER_TIMEOUT_S, async_redis_retry, make_redis

PAUSE_MS = int(BROKER_TIMEOUT_S * 1000) + 300  # longer than one command may wait, shorter than two


def pause_redis(url: str) -> None:
    admin = redis.Redis.from_url(url)
    try:
        admin.execute_command("CLIENT", "PAUSE", PAUSE_MS, "ALL")
    finally:
        admin.close()


def test_a_service_client_rides_out_one_late_answer(redis_url: str) -> None:
    client = make_redis(redis_url)
    client.set("streetcare:test:blip", "kept")
    pause_redis(redis_url)
    assert client.mget(["streetcare:test:blip", "streetcare:test:none"]) == [b"kept", None]
    client.close()


def test_without_the_retry_the_same_late_answer_is_an_error(redis_url: str) -> None:
    """The control: proves the test above meets a real timeout."""
    client = redis.Redis.from_url(redis_url, socket_timeout=BROKER_TIMEOUT_S)
    client.set("streetcare:test:blip", "kept")
    pause_redis(redis_url)
    with pytest.raises(redis.TimeoutError):
        client.mget(["streetcare:test:blip"])
    client.close()


def test_the_gateways_async_client_rides_out_one_late_answer(redis_url: str) -> None:
    async def scenario() -> list[bytes | str | None]:
        pool = aioredis.BlockingConnectionPool.from_url(
            redis_url, socket_timeout=BROKER_TIMEOUT_S, retry=async_redis_retry()
        )
        client = aioredis.Redis(connection_pool=pool)
        try:
            await client.set("streetcare:test:blip", "kept")
            await asyncio.to_thread(pause_redis, redis_url)
            return list(await client.mget(["streetcare:test:blip"]))
        finally:
            await client.aclose()
            await pool.disconnect()

    assert run_to_completion(scenario) == [b"kept"]
