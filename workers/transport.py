"""The Redis transport with one defect worked around, so a Redis restart does not kill a worker.

With kombu 5.7, once a worker has lost its broker, the old channel still gets used: closing it
puts unacknowledged messages back, and a task that finishes late acks its message, both through
a connection pool the channel must create from connection info that is already gone. That is an
AttributeError, which Celery treats as unrecoverable: the worker exits. Raised as the connection
error it really is, both are handled as broker trouble: the worker reconnects, and the messages
come back after the visibility timeout (what `acks_late` relies on; consumers are idempotent).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis
from redis import exceptions


class _ClosedChannelIsBrokerTrouble:
    def _connparams(self, asynchronous: bool = False) -> Any:
        connection = getattr(self, "connection", None)
        if connection is None or connection.client is None:
            raise exceptions.ConnectionError("the broker connection of this channel is closed")
        # kombu's stubs (celery-types) leave out this private method that the defect lives in
        return super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]


class Channel(_ClosedChannelIsBrokerTrouble, redis.Channel):
    pass


class Transport(redis.Transport):
    Channel = Channel


class SentinelChannel(_ClosedChannelIsBrokerTrouble, redis.SentinelChannel):
    """The same repair for a broker that Sentinel names (REDIS_URL redis+sentinel://…)."""


class SentinelTransport(redis.SentinelTransport):
    Channel = SentinelChannel


def transport_for(is_sentinel: bool) -> str:
    """The transport class path Celery should load for the broker the settings name."""
    return f"{__name__}:{'SentinelTransport' if is_sentinel else 'Transport'}"
