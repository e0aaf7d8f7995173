"""One Redis deployment, named by one URL, and every kind of client the project makes of it.

The broker, the event bus, the rate limits, the sessions, the locks, the live pub/sub and the dead
letters all build their clients here from the one `REDIS_URL` a process's settings hold, so a city
moves from one Redis to a TLS Redis or a Sentinel-watched pair by changing that URL alone:

- ``redis://[:password@]host:port/db``: one Redis;
- ``rediss://…``: the same over TLS (certificates are checked; add ``?ssl_ca_certs=/path`` for a
  private CA, as redis-py reads it);
- ``redis+sentinel://[:password@]host:port[,host:port…]/master[/db]``: the master that these
  Sentinels name; a failover moves every client to the new master by itself (the password is the
  master's; the Sentinels are asked with the same one);
- ``rediss+sentinel://…``: Sentinel, with TLS to the Sentinels and the master.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.asyncio.sentinel import SentinelConnectionPool as AsyncSentinelPool
from redis.sentinel import Sentinel, SentinelConnectionPool

PLAIN_SCHEMES = ("redis", "rediss", "unix")
SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")
SENTINEL_DEFAULT_PORT = 26379


class ClosingSentinelPool(SentinelConnectionPool):
    """A Sentinel pool that, closed, also closes its connections to the Sentinels."""

    def disconnect(self, inuse_connections: bool = True) -> None:
        super().disconnect(inuse_connections)
        if inuse_connections:  # a full close, not the re-point after a failover
            for sentinel in self.sentinel_manager.sentinels:
                sentinel.close()


class BlockingSentinelPool(AsyncSentinelPool, aioredis.BlockingConnectionPool):
    """A Sentinel pool that, like the gateway's plain pool, lets a burst wait a moment for a free
    connection instead of failing at once (the Sentinel pool finds the master; the blocking pool
    hands out its connections). Closed, it also closes its connections to the Sentinels."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await super().disconnect(inuse_connections)
        if inuse_connections:
            for sentinel in self.sentinel_manager.sentinels:
                await sentinel.aclose()


@dataclass(frozen=True)
class RedisTarget:
    url: str
    sentinels: tuple[tuple[str, int], ...] = ()
    master: str = ""
    db: int = 0
    password: str | None = None
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> RedisTarget:
        """The deployment `url` names; a ValueError says what is wrong with it."""
        parts = urlsplit(url)
        if parts.scheme in PLAIN_SCHEMES:
            if parts.scheme != "unix" and not parts.hostname:
                raise ValueError(f"REDIS_URL {_shown(url)} names no host")
            return cls(url=url, tls=parts.scheme == "rediss")
        if parts.scheme not in SENTINEL_SCHEMES:
            raise ValueError(
                f"REDIS_URL {_shown(url)}: the scheme must be one of redis://, rediss://, unix://, "
                "redis+sentinel:// or rediss+sentinel://"
            )
        hosts = parts.netloc.rpartition("@")[2]
        sentinels: list[tuple[str, int]] = []
        for address in filter(None, hosts.split(",")):
            host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
            try:
                sentinels.append((host.strip("[]"), int(port) if port else SENTINEL_DEFAULT_PORT))
            except ValueError:
                raise ValueError(f"REDIS_URL {_shown(url)}: {address!r} is not host:port") from None
        path = [unquote(piece) for piece in parts.path.split("/") if piece]
        if not sentinels or not path:
            raise ValueError(f"REDIS_URL {_shown(url)}: write redis+sentinel://host:port[,host:port]/master[/db]")
        if len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
            raise ValueError(f"REDIS_URL {_shown(url)}: after the master's name only a database number may follow")
        password = unquote(parts.password) if parts.password else None
        return cls(
            url=url,
            sentinels=tuple(sentinels),
            master=path[0],
            db=int(path[1]) if len(path) == 2 else 0,
            password=password,
            tls=parts.scheme == "rediss+sentinel",
        )

    @property
    def is_sentinel(self) -> bool:
        return bool(self.sentinels)

    def _master_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"db": self.db, "password": self.password}
        if self.tls:
            options["ssl"] = True
        query = parse_qs(urlsplit(self.url).query)
        if "ssl_ca_certs" in query:
            options["ssl_ca_certs"] = query["ssl_ca_certs"][0]
        return options

    def _sentinel_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:
        """How to ask the Sentinels: the clients' own connect timeout, password and TLS."""
        return self._sentinel_options(float(options.get("socket_connect_timeout") or 2.0))

    def _sentinel_options(self, timeout_s: float) -> dict[str, Any]:
        options: dict[str, Any] = {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
        if self.password:
            options["password"] = self.password
        if self.tls:
            options["ssl"] = True
        return options

    def client(self, **options: Any) -> redis.Redis:
        """A synchronous client (its own pool); `options` are redis-py's connection options."""
        if not self.is_sentinel:
            return redis.Redis.from_url(self.url, **options)
        sentinel = Sentinel(list(self.sentinels), sentinel_kwargs=self._sentinel_kwargs(options))
        master: redis.Redis = sentinel.master_for(
            self.master, connection_pool_class=ClosingSentinelPool, **self._master_options(), **options
        )
        return master

    def async_pool(self, *, max_connections: int, wait_s: float, **options: Any) -> aioredis.ConnectionPool:
        """An asyncio pool of at most `max_connections`, where a request waits up to `wait_s` for one."""
        if not self.is_sentinel:
            return aioredis.BlockingConnectionPool.from_url(
                self.url, max_connections=max_connections, timeout=wait_s, **options
            )
        sentinel = AsyncSentinel(list(self.sentinels), sentinel_kwargs=self._sentinel_kwargs(options))
        return BlockingSentinelPool(
            self.master,
            sentinel,
            max_connections=max_connections,
            timeout=wait_s,
            **self._master_options(),
            **options,
        )

    def async_client(self, **options: Any) -> aioredis.Redis:
        """An asyncio client with a pool of its own (the live stream's subscription)."""
        if not self.is_sentinel:
            return aioredis.Redis.from_url(self.url, **options)
        sentinel = AsyncSentinel(list(self.sentinels), sentinel_kwargs=self._sentinel_kwargs(options))
        master: aioredis.Redis = sentinel.master_for(
            self.master, connection_pool_class=BlockingSentinelPool, **self._master_options(), **options
        )
        return master

    def celery_broker(self) -> dict[str, Any]:
        """Celery's broker settings for this deployment (kombu's `redis` or `sentinel` transport);
        the caller merges `broker_transport_options` with its own."""
        if not self.is_sentinel:
            config: dict[str, Any] = {"broker_url": self.url, "broker_transport_options": {}}
            if self.tls and "ssl_cert_reqs" not in self.url:
                config["broker_use_ssl"] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
            return config
        secret = f":{quote(self.password, safe='')}@" if self.password else ""
        urls = ";".join(f"sentinel://{secret}{host}:{port}/{self.db}" for host, port in self.sentinels)
        transport: dict[str, Any] = {"master_name": self.master}
        if self.password:
            transport["sentinel_kwargs"] = {"password": self.password}
        config = {"broker_url": urls, "broker_transport_options": transport}
        if self.tls:
            config["broker_use_ssl"] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
        return config

    def celery_result_backend(self, key_prefix: str, expires_s: int) -> dict[str, Any]:
        """Celery's result-backend settings on this same deployment (its `redis` or `sentinel`
        backend): every key under `key_prefix`, each result gone after `expires_s` seconds."""
        transport: dict[str, Any] = {"global_keyprefix": key_prefix}
        if not self.is_sentinel:
            config: dict[str, Any] = {"result_backend": self.url}
            if self.tls and "ssl_cert_reqs" not in self.url:
                config["redis_backend_use_ssl"] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
        else:
            broker = self.celery_broker()
            config = {"result_backend": broker["broker_url"]}
            transport.update(broker["broker_transport_options"])
            if self.tls:
                config["redis_backend_use_ssl"] = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
        return {**config, "result_backend_transport_options": transport, "result_expires": expires_s}

    def describe(self) -> str:
        """Where this points, without its password (for logs and the CLI)."""
        if self.is_sentinel:
            hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
            return f"master {self.master!r} (db {self.db}) via Sentinel {hosts}{' over TLS' if self.tls else ''}"
        return _shown(self.url)


def _shown(url: str) -> str:
    """The URL with any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url
