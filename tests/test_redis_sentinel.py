"""A city that runs Redis as a Sentinel-watched pair points REDIS_URL at the Sentinels and changes
nothing else: every client (broker, bus, sessions, rate limits, live pub/sub, dead letters) finds
the master through Sentinel and follows it through a failover. Real redis-server, real Sentinel."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest
import redis

from conftest import _run_stack, wait_for
from gateway.security import RateLimit, RateLimiter
from kernel.blocking import run_to_completion
from kernel.bus import make_producer, make_redis
from kernel.redis_target import RedisTarget
from streetcare.testing import Stack, private_redis, private_sentinel


def test_a_redis_url_that_no_client_could_use_is_refused_with_the_reason() -> None:
    for url, reason in [
        ("http://127.0.0.1:6379", "scheme"),
        ("redis+sentinel://127.0.0.1:26379", "master"),
        ("redis+sentinel://127.0.0.1:port/streetcare", "host:port"),
        ("redis+sentinel://127.0.0.1:26379/streetcare/zero", "database number"),
        ("redis://", "no host"),
    ]:
        with pytest.raises(ValueError, match=reason):
            RedisTarget.parse(url)
    target = RedisTarget.parse("rediss+sentinel://:p%40ss@a:26380,b/streetcare/2")
    assert (target.sentinels, target.master, target.db, target.password, target.tls) == (
        (("a", 26380), ("b", 26379)),
        "streetcare",
        2,
        "p@ss",
        True,
    )
    assert "p@ss" not in target.describe() and "***" in RedisTarget.parse("redis://:p@h:1/0").describe()
    broker = target.celery_broker()
    assert broker["broker_url"].count("sentinel://") == 2 and broker["broker_transport_options"]["master_name"]
    results = target.celery_result_backend("streetcare:planner-results:", 600)  # the planner's sub-problems
    assert results["result_backend"] == broker["broker_url"] and results["result_expires"] == 600
    assert results["result_backend_transport_options"]["master_name"] == "streetcare"
    assert results["result_backend_transport_options"]["global_keyprefix"] == "streetcare:planner-results:"
    plain = RedisTarget.parse("redis://h:1/3").celery_result_backend("p:", 60)
    assert plain["result_backend"] == "redis://h:1/3" and plain["result_backend_transport_options"] == {
        "global_keyprefix": "p:"
    }


def _hit(url: str, scope: str) -> int | None:
    async def scenario() -> int | None:
        limiter = RateLimiter(url, pool_size=2)
        try:
            return await limiter.hit(RateLimit(1, scope), "client")
        finally:
            await limiter.close()

    result: int | None = run_to_completion(scenario)
    return result


def _written(client: redis.Redis, key: str) -> bool:
    with contextlib.suppress(redis.RedisError):
        client.set(key, "1")
        return True
    return False


def test_every_client_follows_the_master_sentinel_names_through_a_failover() -> None:
    with private_redis() as master, private_sentinel(master.port, replicas=1) as sentinel:
        url = sentinel.url()
        client = make_redis(url)
        client.set("streetcare:test:sentinel", "before")
        producer = make_producer(url)
        producer.send_task("streetcare.test.noop", queue="streetcare-test-sentinel")
        on_master = redis.Redis(port=master.port)
        assert on_master.get("streetcare:test:sentinel") == b"before"
        assert on_master.llen("streetcare-test-sentinel") == 1  # the broker wrote to the master Sentinel named
        assert _hit(url, "sentinel-before") is None and _hit(url, "sentinel-before") is not None  # counted there

        def failover_accepted() -> bool:  # "NOGOODSLAVE" until Sentinel has seen the replica in sync
            try:
                sentinel.client().execute_command("SENTINEL", "FAILOVER", sentinel.master)
            except redis.ResponseError:
                return False
            return True

        wait_for(failover_accepted, timeout=60, interval=0.5, message="Sentinel to accept the failover")
        wait_for(lambda: sentinel.master_port() != master.port, timeout=30, message="Sentinel to promote the replica")
        promoted = redis.Redis(port=sentinel.master_port())
        # until Sentinel has turned the old master into a replica it still takes writes (which the
        # resync then drops: Redis replication is asynchronous); from then on it refuses them
        wait_for(lambda: on_master.role()[0] == b"slave", timeout=30, message="the old master to step down")
        # the same client, without a restart, writes to the new master (the old one refuses writes)
        wait_for(lambda: _written(client, "streetcare:test:after"), timeout=30, message="the client to follow")
        assert promoted.get("streetcare:test:after") == b"1"
        assert _hit(url, "sentinel-after") is None and promoted.keys("*sentinel-after*")  # counted on the new master
        client.close()
        producer.close()


@pytest.fixture(scope="module")
def sentinel_stack(tmp_path_factory: pytest.TempPathFactory, pg_admin_url: str | None) -> Iterator[Stack]:
    with private_redis() as redis_server, private_sentinel(redis_server.port) as sentinel:
        yield from _run_stack(tmp_path_factory, redis_server, pg_admin_url, extra_env={"REDIS_URL": sentinel.url()})


@pytest.mark.stack
def test_the_stack_runs_on_a_sentinel_watched_redis(sentinel_stack: Stack) -> None:
    assert sentinel_stack.env["REDIS_URL"].startswith("redis+sentinel://")
    with httpx.Client(base_url=sentinel_stack.gateway_url, timeout=30) as client:
        assert client.get("/readyz").status_code == 200
        street = client.get("/api/v1/scheduling/streets", params={"limit": 1}).json()["items"][0]
        spot = street["centroid"]
        filed = client.post(
            "/api/v1/reports/reports", json={"category": "litter", "lat": spot["lat"], "lon": spot["lon"]}
        )
        assert filed.status_code == 201, filed.text
        street_id = filed.json()["street_id"]
        # the event went through the broker Sentinel named, to the worker, into scheduling
        wait_for(
            lambda: client.get(f"/api/v1/scheduling/streets/{street_id}").json()["open_reports"] >= 1,
            timeout=120,
            interval=0.5,
            message="the report to reach scheduling through the Sentinel-named broker",
        )
        login = client.post(
            "/api/v1/auth/login", json={"email": "dispatcher@test.example", "password": "dispatcher-password"}
        )
        assert login.status_code == 200, login.text  # sessions and rate limits live in that Redis too
        token = login.json()["access_token"]
        today = client.get("/api/v1/scheduling/plan-days", headers={"Authorization": f"Bearer {token}"})
        assert today.status_code == 200, today.text  # the session check asked Redis through Sentinel
