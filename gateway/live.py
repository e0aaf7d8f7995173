"""Live updates for the dispatcher page: `plan.published` events as server-sent events.

Scheduling's relay publishes `plan.published` on a Redis channel. The gateway holds ONE
pub/sub subscription (its own connection, started with the first stream) and fans each event
out to the open streams, so streams never take connections from the pool that sessions,
logout and readiness use. Streams are for staff with a verified token, bounded per person and
in total (the one over the bound gets 429). A heartbeat comment every 15 s keeps proxies from
closing an idle stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
import structlog
from fastapi import APIRouter, HTTPException, Request
from sse_starlette.sse import EventSourceResponse

from gateway.identity import verified_principal
from gateway.settings import GatewaySettings
from kernel.auth import Principal, Role
from kernel.bus import LIVE_CHANNEL
from kernel.redis_target import RedisTarget

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/v1/live", tags=["live"])
STAFF = (Role.DISPATCHER, Role.INSPECTOR, Role.ADMIN)
QUEUE_SIZE = 32


class PlanBroadcaster:
    """One Redis subscription, many listeners (an asyncio queue each)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.listeners: set[asyncio.Queue[dict[str, Any]]] = set()
        self.per_subject: Counter[str] = Counter()
        self.task: asyncio.Task[None] | None = None
        self.redis: aioredis.Redis | None = None

    def open(self, subject: str) -> asyncio.Queue[dict[str, Any]]:
        if len(self.listeners) >= self.settings.live_streams_total:
            raise HTTPException(429, "too many live streams are open; try again later", headers={"Retry-After": "30"})
        if self.per_subject[subject] >= self.settings.live_streams_per_user:
            raise HTTPException(
                429,
                f"you already have {self.per_subject[subject]} live streams open; close a page first",
                headers={"Retry-After": "30"},
            )
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self.listeners.add(queue)
        self.per_subject[subject] += 1
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._listen())
        return queue

    def close_stream(self, subject: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self.listeners.discard(queue)
        self.per_subject[subject] -= 1
        if self.per_subject[subject] <= 0:
            del self.per_subject[subject]

    async def _listen(self) -> None:
        """Subscribes once and fans out; reconnects with a pause when Redis goes away."""
        while True:
            try:
                self.redis = RedisTarget.parse(self.settings.redis_url).async_client(socket_connect_timeout=2)
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(LIVE_CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._fan_out(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("live.subscription_lost", error=str(exc))
                await asyncio.sleep(1.0)
            finally:
                if self.redis is not None:
                    await self.redis.aclose()
                    self.redis = None

    def _fan_out(self, data: bytes) -> None:
        try:
            envelope = json.loads(data)
        except ValueError:
            return
        if envelope.get("type") != "plan.published":
            return
        event = {"event": "plan.published", "id": envelope["id"], "data": json.dumps(envelope["data"])}
        for queue in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled page misses an update, not the others
                queue.put_nowait(event)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def plan_events(
    request: Request, broadcaster: PlanBroadcaster, principal: Principal, queue: asyncio.Queue[dict[str, Any]]
) -> AsyncIterator[dict[str, Any]]:
    try:
        yield {"event": "ready", "data": "{}"}
        while True:  # sse-starlette cancels this generator when the client goes away
            yield await queue.get()
    finally:
        broadcaster.close_stream(principal.subject, queue)


@router.get("/plans")
async def live_plans(request: Request) -> EventSourceResponse:
    """Staff only. EventSource cannot send headers, so the token may come as `?access_token=`."""
    principal = await verified_principal(request, request.query_params.get("access_token"))
    if principal is None:
        raise HTTPException(401, "live updates are for staff; log in first", headers={"WWW-Authenticate": "Bearer"})
    if not principal.has_any(*STAFF):
        raise HTTPException(403, "live updates are for dispatchers, inspectors and admins")
    broadcaster: PlanBroadcaster = request.app.state.live
    queue = broadcaster.open(principal.subject)
    return EventSourceResponse(plan_events(request, broadcaster, principal, queue), ping=15)
