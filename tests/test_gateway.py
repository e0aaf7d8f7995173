"""The gateway on its own: headers, limits, the circuit breaker and a dead upstream."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from streetcare.local import free_port
from streetcare.testing import TEST_SERVICE_TOKEN, TEST_TOKEN_SECRET, http_server


def gateway_settings(redis_url: str, **overrides: object) -> GatewaySettings:
    dead = f"http://127.0.0.1:{free_port()}"
    values: dict[str, object] = {
        "REDIS_URL": redis_url,
        "STREETCARE_TOKEN_SECRET": TEST_TOKEN_SECRET,
        "STREETCARE_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
        "scheduling_url": dead,
        "reports_url": dead,
        "volunteers_url": dead,
        "connect_timeout_s": 0.5,
        "read_timeout_s": 1.0,
    }
    values.update(overrides)
    return GatewaySettings(**values)  # type: ignore[arg-type]


def test_pages_carry_security_headers(redis_url: str) -> None:
    with TestClient(create_app(gateway_settings(redis_url))) as client:
        answer = client.get("/")
    assert answer.status_code == 200
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in answer.headers


def test_hsts_only_over_tls(redis_url: str) -> None:
    with TestClient(create_app(gateway_settings(redis_url)), base_url="https://testserver") as client:
        answer = client.get("/healthz")
    assert "max-age" in answer.headers["strict-transport-security"]


def test_dead_service_gives_503_with_retry_hint_then_the_breaker_opens(redis_url: str) -> None:
    settings = gateway_settings(redis_url, breaker_failure_threshold=2, breaker_cooldown_seconds=30)
    with TestClient(create_app(settings)) as client:
        first = client.get("/api/v1/scheduling/streets")
        second = client.get("/api/v1/scheduling/streets")
        third = client.get("/api/v1/scheduling/streets")
    assert first.status_code == second.status_code == third.status_code == 503
    assert first.headers["retry-after"]
    assert "unavailable right now" in first.json()["detail"]
    assert "failed repeatedly" in third.json()["detail"]
    assert int(third.headers["retry-after"]) > 1


def test_slow_service_gives_503_not_a_hang(redis_url: str) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    port = listener.getsockname()[1]
    try:
        settings = gateway_settings(redis_url, reports_url=f"http://127.0.0.1:{port}", read_timeout_s=0.5)
        with TestClient(create_app(settings)) as client:
            answer = client.post("/api/v1/reports/reports", json={})
        assert answer.status_code == 503
        assert "did not answer in time" in answer.json()["detail"]
    finally:
        listener.close()


def test_anonymous_writes_are_rate_limited_per_ip(redis_url: str) -> None:
    settings = gateway_settings(redis_url, rate_limit_anonymous_writes_per_minute=3)
    with TestClient(create_app(settings)) as client:
        codes = [client.post("/api/v1/reports/reports", json={}).status_code for _ in range(5)]
    assert codes[:3] == [503, 503, 503] or all(c != 429 for c in codes[:3])
    assert codes[3:] == [429, 429]


def test_login_attempts_are_rate_limited(redis_url: str) -> None:
    settings = gateway_settings(redis_url, rate_limit_login_per_minute=2)
    with TestClient(create_app(settings)) as client:
        codes = [
            client.post("/api/v1/auth/login", json={"email": "a@b.c", "password": "x"}).status_code for _ in range(3)
        ]
        limited = client.post("/api/v1/auth/login", json={"email": "a@b.c", "password": "x"})
    assert codes[:2] == [503, 503]
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers or "retry-after" in limited.headers


def test_oversized_body_is_refused(redis_url: str) -> None:
    settings = gateway_settings(redis_url, max_body_bytes=1024)
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/v1/reports/reports", content=b"x" * 2048)
    assert answer.status_code == 413


def test_a_chunked_body_past_the_limit_is_refused_without_reading_it_all(redis_url: str) -> None:
    settings = gateway_settings(redis_url, max_body_bytes=1024)

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 512

    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/v1/reports/reports", content=chunks())
    assert answer.status_code == 413 and "too large" in answer.json()["detail"]


def test_a_compressed_body_is_refused_before_it_is_inflated(redis_url: str) -> None:
    bomb = gzip.compress(b"{" + b" " * 20_000_000 + b"}")  # 20 MB of JSON in about 20 kB
    assert len(bomb) < 100_000
    with TestClient(create_app(gateway_settings(redis_url))) as client:
        answer = client.post(
            "/api/v1/reports/reports",
            content=bomb,
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
    assert answer.status_code == 415 and "uncompressed" in answer.json()["detail"]


def test_unknown_api_is_a_clear_404(redis_url: str) -> None:
    with TestClient(create_app(gateway_settings(redis_url))) as client:
        answer = client.get("/api/v1/payments/x")
    assert answer.status_code == 404
    assert "no API named" in answer.json()["detail"]


@pytest.mark.parametrize("secret", ["", "change-me", "short"])
def test_placeholder_secrets_are_refused_outside_demo_mode(secret: str, redis_url: str) -> None:
    with pytest.raises(ValueError, match="STREETCARE_TOKEN_SECRET"):
        gateway_settings(redis_url, STREETCARE_TOKEN_SECRET=secret, STREETCARE_DEMO_MODE=False)


class _AnswersAsReports(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "service": "reports"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def reports_impostor() -> Iterator[str]:
    with http_server(_AnswersAsReports) as base:
        yield base


def test_a_gateway_whose_upstream_is_another_service_is_not_ready(redis_url: str, reports_impostor: str) -> None:
    settings = gateway_settings(
        redis_url, scheduling_url=reports_impostor, reports_url=reports_impostor, volunteers_url=reports_impostor
    )
    with TestClient(create_app(settings)) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    problems = answer.json()["problems"]
    assert "answers as 'reports'" in problems["scheduling"]
    assert "answers as 'reports'" in problems["volunteers"]
    assert "reports" not in problems


class _SetsCookies(BaseHTTPRequestHandler):
    """A service that sets two cookies on every answer and says which cookies it was sent."""

    def do_GET(self) -> None:
        if self.path == "/openapi.json":  # its public routes, as the gateway asks
            routes: dict[str, object] = {"paths": {"/api/v1/reports/categories": {"get": {}}}}
            body = json.dumps(routes).encode()
        else:
            body = json.dumps({"cookie_received": self.headers.get("cookie")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("set-cookie", "session=of-the-first-caller; Path=/; HttpOnly")
        self.send_header("set-cookie", "theme=dark; Path=/")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_cookie_a_service_sets_reaches_its_caller_only(redis_url: str) -> None:
    """The gateway forwards for everyone over one HTTP client: a cookie a service sets must go back
    to the caller it was set for, each Set-Cookie header whole, and never be kept by that client
    and sent on with the next caller's request."""
    with http_server(_SetsCookies) as service:
        app = create_app(gateway_settings(redis_url, reports_url=service))
        with TestClient(app) as client:
            answer = client.get("/api/v1/reports/categories")
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"cookie_received": None}
            assert answer.headers.get_list("set-cookie") == [
                "session=of-the-first-caller; Path=/; HttpOnly",
                "theme=dark; Path=/",
            ]
            client.cookies.clear()  # the next caller, who was given no cookie
            later = client.get("/api/v1/reports/categories")
    assert later.status_code == 200, later.text
    assert later.json() == {"cookie_received": None}
