"""Live updates for the dispatcher page: `plan.published` events as server-sent events.

Scheduling's relay publishes `plan.published` on a Redis channel; each open page holds one SSE
stream fed from one pub/sub subscription. A heartbeat comment every 15 s keeps proxies from
closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from streetcare.core.bus import LIVE_CHANNEL

router = APIRouter(prefix="/api/v1/live", tags=["live"])


async def plan_events(request: Request, redis: aioredis.Redis) -> AsyncIterator[dict[str, Any]]:
    pubsub = redis.pubsub()
    await pubsub.subscribe(LIVE_CHANNEL)
    try:
        yield {"event": "ready", "data": "{}"}
        while not await request.is_disconnected():
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                await asyncio.sleep(0)
                continue
            envelope = json.loads(message["data"])
            if envelope.get("type") != "plan.published":
                continue
            yield {"event": "plan.published", "id": envelope["id"], "data": json.dumps(envelope["data"])}
    finally:
        await pubsub.unsubscribe(LIVE_CHANNEL)
        await pubsub.aclose()


@router.get("/plans")
async def live_plans(request: Request) -> EventSourceResponse:
    return EventSourceResponse(plan_events(request, request.app.state.redis), ping=15)
