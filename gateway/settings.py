from __future__ import annotations

from typing import Literal

from pydantic_settings import SettingsConfigDict

from kernel.settings import ProcessSettings


class GatewaySettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 8000
    scheduling_url: str = "http://127.0.0.1:8101"
    reports_url: str = "http://127.0.0.1:8102"
    volunteers_url: str = "http://127.0.0.1:8103"
    upstream_transport: Literal["aiohttp", "httpx"] = "aiohttp"
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 30.0
    max_connections: int = 200
    # an idle connection to a service is dropped after this, before the service's uvicorn drops
    # it (its keep-alive: 5 s), so the gateway never sends a request down a connection the
    # service is closing at that moment (aiohttp reports that race as a connection error: a 503)
    upstream_keepalive_s: float = 2.0
    max_body_bytes: int = 12 * 1024 * 1024
    rate_limit_login_per_minute: int = 20
    rate_limit_password_checks_per_account_per_minute: int = 10
    rate_limit_anonymous_writes_per_minute: int = 60
    rate_limit_user_writes_per_minute: int = 120
    rate_limit_address_writes_per_minute: int = 600
    rate_limit_open311_key_per_minute: int = 300
    rate_limit_requests_per_minute: int = 1200
    # addresses or CIDR blocks of reverse proxies whose X-Forwarded-For is believed (comma-separated)
    trusted_proxies: str = ""
    redis_pool_size: int = 32
    live_streams_per_user: int = 3
    live_streams_total: int = 500
    breaker_failure_threshold: int = 5
    breaker_cooldown_seconds: float = 10.0
    map_tile_url: str = ""
    map_attribution: str = "© OpenStreetMap contributors"
    map_max_zoom: int = 19
    map_street_attribution: str = "Street data © OpenStreetMap contributors, ODbL"

    def upstreams(self) -> dict[str, str]:
        return {
            "scheduling": self.scheduling_url.rstrip("/"),
            "reports": self.reports_url.rstrip("/"),
            "volunteers": self.volunteers_url.rstrip("/"),
        }
