"""The gateway keeps the inside inside (issue 12): what it forwards, what it counts, when sessions end.

Against the real stack: its gateway for what any caller would send, and a second gateway in this
process (with its own, small limits) in front of the same services for the limits, so counting
here never disturbs the other stack tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shlex
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from kernel.auth import Role, issue_token
from kernel.blocking import run_to_completion
from kernel.settings import REPO_ROOT
from streetcare.local import free_port
from streetcare.testing import SERVICE_HEADERS, TEST_SERVICE_TOKEN, TEST_TOKEN_SECRET, Stack

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]

DISPATCHER = {"email": "dispatcher@test.example", "password": "dispatcher-password"}


def own_gateway(stack: Stack, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "REDIS_URL": stack.redis_server.url,
        "STREETCARE_TOKEN_SECRET": TEST_TOKEN_SECRET,
        "STREETCARE_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
        "scheduling_url": stack.url("scheduling"),
        "reports_url": stack.url("reports"),
        "volunteers_url": stack.url("volunteers"),
    }
    values.update(overrides)
    return GatewaySettings(**values)


def fresh_address() -> str:
    """A client address no other test counted (documentation range, random host)."""
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


def sign_up(client: httpx.Client | TestClient, stack: Stack, name: str = "Sec") -> tuple[str, str]:
    """A volunteer who signed up and followed the link in the mail that arrived: ready to log in."""
    email = f"sec{uuid.uuid4().hex[:10]}@test.example"
    answer = client.post(
        "/api/v1/volunteers/signup", json={"display_name": name, "email": email, "password": "a-long-password"}
    )
    assert answer.status_code == 202, answer.text
    stack.confirm_by_mail(email, client)
    return email, "a-long-password"


def login(client: httpx.Client | TestClient, email: str, password: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        yield client


# ---- the gateway forwards only what is public ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/scheduling/%2e%2e/%2e%2e/internal/auth/verify",
        "/api/v1/volunteers/%2E%2E/%2E%2E/internal/auth/verify",
        "/api/v1/scheduling/..%2f..%2finternal/auth/verify",
        "/api/v1/scheduling/%2e%2e%5c%2e%2e%5cinternal/auth/verify",
        "/api/v1/scheduling/%252e%252e/%252e%252e/internal/auth/verify",
        "/api/v1/scheduling/streets/%2e/%2e%2e/%2e%2e/%2e%2e/internal/auth/verify",
    ],
)
def test_encoded_dot_segments_never_reach_internal_routes(gateway: httpx.Client, path: str) -> None:
    answer = gateway.post(path, json=DISPATCHER)
    assert answer.status_code in (400, 404), answer.text
    assert "access_token" not in answer.text and "subject" not in answer.text
    assert answer.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/scheduling/%2e%2e/%2e%2e/docs",
        "/api/v1/scheduling/%2e%2e/%2e%2e/openapi.json",
        "/api/v1/reports/%2e%2e/%2e%2e/openapi.json",
        "/api/v1/volunteers/docs",
        "/api/v1/volunteers/openapi.json",
        "/open311/v2/%2e%2e/%2e%2e/openapi.json",
        "/api/v1/scheduling/internal/auth/verify",
    ],
)
def test_service_docs_and_internal_routes_are_not_public(gateway: httpx.Client, path: str) -> None:
    answer = gateway.get(path)
    assert answer.status_code in (400, 404), answer.text
    assert "openapi" not in answer.text.lower() or "detail" in answer.json()
    assert "swagger" not in answer.text.lower()


def test_public_routes_still_work_and_a_wrong_method_is_405(gateway: httpx.Client) -> None:
    assert gateway.get("/api/v1/scheduling/streets", params={"limit": 1}).status_code == 200
    assert gateway.get("/open311/v2/services.json").status_code == 200
    wrong = gateway.delete("/api/v1/scheduling/streets")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]


def test_internal_routes_refuse_the_service_credential_alone(stack: Stack) -> None:
    """Even with the service credential (what the gateway forwards with), a password check
    needs the login caller's own credential."""
    for service in ("scheduling", "volunteers"):
        answer = httpx.post(f"{stack.url(service)}/internal/auth/verify", json=DISPATCHER, headers=SERVICE_HEADERS)
        assert answer.status_code == 403, (service, answer.text)


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/api/v1/reports/reports", {"Idempotency-Key": "clé-ünïcode"}),
        ("GET", "/api/v1/reports/photos/%00", {}),
        ("GET", "/api/v1/reports/photos/abc%00def/thumbnail", {}),
        ("GET", "/api/v1/reports/photos/%ff%fe", {}),
        ("GET", "/api/v1/reports/photos/a%0ab", {}),
        ("GET", "/api/v1/scheduling/streets?q=%00", {}),
    ],
)
def test_bytes_the_gateway_cannot_forward_are_a_400_with_a_message(
    gateway: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    encoded = [(k.encode(), v.encode("utf-8")) for k, v in headers.items()]
    answer = gateway.request(method, path, headers=encoded, json={} if method == "POST" else None)
    assert answer.status_code == 400, answer.text
    assert "cannot be forwarded" in answer.json()["detail"]


def test_a_junk_token_is_refused_by_the_gateway(gateway: httpx.Client) -> None:
    answer = gateway.get("/api/v1/scheduling/streets", headers={"Authorization": "Bearer junk"})
    assert answer.status_code == 401 and "log in again" in answer.json()["detail"]


# ---- rate limits that cannot be switched off ----------------------------------------------------------


def test_a_junk_bearer_header_does_not_switch_off_the_anonymous_write_limit(stack: Stack) -> None:
    limit = a_limit()
    settings = own_gateway(stack, rate_limit_anonymous_writes_per_minute=limit)
    with TestClient(create_app(settings), client=(fresh_address(), 5000)) as client:
        street = client.get("/api/v1/scheduling/streets", params={"limit": 1}).json()["items"][0]["centroid"]
        report = {"category": "litter", "lat": street["lat"], "lon": street["lon"], "description": "rate limit probe"}
        with_junk = [
            client.post("/api/v1/reports/reports", json=report, headers={"Authorization": f"Bearer junk{i}"})
            for i in range(limit + 2)
        ]
        anonymous = [client.post("/api/v1/reports/reports", json=report).status_code for _ in range(limit + 2)]
    assert [r.status_code for r in with_junk] == [401] * (limit + 2)  # not accepted, not forwarded
    assert anonymous[:limit] == [201] * limit and anonymous[limit:] == [429, 429]


@contextlib.contextmanager
def gateway_process(stack: Stack, **env: str) -> Iterator[str]:
    """A gateway started exactly as the stack starts its own (uvicorn, loopback), with `env`."""
    port = free_port()
    parts = shlex.split(stack.commands()["gateway"])
    command = [part if part != str(stack.ports["gateway"]) else str(port) for part in parts]
    log = (stack.workdir / "logs" / f"gateway-{port}.log").open("ab")
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env={**stack.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # the machine may be busy: importing alone can take a while
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            assert process.poll() is None and time.monotonic() < deadline, "the extra gateway did not start"
            time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        log.close()


def a_limit() -> int:
    """A small limit that differs between runs: `limits` keys include the amount, so a rerun
    within the minute does not start from a used-up window."""
    return random.randint(3, 9)


def test_rotating_x_forwarded_for_does_not_reset_the_login_limit(stack: Stack) -> None:
    limit = a_limit()
    with gateway_process(stack, GATEWAY_RATE_LIMIT_LOGIN_PER_MINUTE=str(limit)) as url:
        codes = [
            httpx.post(
                f"{url}/api/v1/auth/login",
                json={"email": f"x{i}@test.example", "password": "wrong"},
                headers={"X-Forwarded-For": f"10.0.{i}.{i}"},
            ).status_code
            for i in range(limit + 3)
        ]
    assert codes[:limit] == [401] * limit and codes[limit:] == [429, 429, 429]


def test_a_trusted_proxy_passes_on_the_client_address_and_each_account_has_its_own_limit(stack: Stack) -> None:
    proxy = fresh_address()
    settings = own_gateway(
        stack,
        trusted_proxies=proxy,
        rate_limit_login_per_minute=100,
        rate_limit_password_checks_per_account_per_minute=3,
    )
    email = f"victim{uuid.uuid4().hex[:8]}@test.example"
    with TestClient(create_app(settings), client=(proxy, 5000)) as client:
        # many addresses (a botnet behind the proxy) guessing one account: the account's limit holds
        codes = [
            client.post(
                "/api/v1/auth/login",
                json={"email": email, "password": f"guess{i}"},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            ).status_code
            for i in range(5)
        ]
        # another account from the same addresses is not locked by it
        other = client.post(
            "/api/v1/auth/login",
            json={"email": f"other{uuid.uuid4().hex[:6]}@test.example", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.1"},
        )
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    assert other.status_code == 401


def test_changing_a_password_counts_as_a_password_check(stack: Stack) -> None:
    settings = own_gateway(stack, rate_limit_password_checks_per_account_per_minute=2, rate_limit_login_per_minute=100)
    with TestClient(create_app(settings), client=(fresh_address(), 5000)) as client:
        email, password = sign_up(client, stack)
        headers = login(client, email, password)
        codes = [
            client.post(
                "/api/v1/volunteers/me/password",
                json={"current_password": f"guess-{i}", "new_password": "another-long-one"},
                headers=headers,
            ).status_code
            for i in range(4)
        ]
    assert codes[:1] == [403] and 429 in codes[1:]


def test_an_open311_key_has_its_own_allowance_and_junk_keys_are_limited(stack: Stack) -> None:
    settings = own_gateway(stack, rate_limit_anonymous_writes_per_minute=2, rate_limit_open311_key_per_minute=50)
    with TestClient(create_app(settings), client=(fresh_address(), 5000)) as client:
        junk = [
            client.post(
                "/open311/v2/requests.json", data={"api_key": f"junk-{i}", "service_code": "litter"}
            ).status_code
            for i in range(4)
        ]
    assert junk[:2] == [403, 403] and junk[2:] == [429, 429]


def test_an_issued_open311_key_is_not_held_to_the_anonymous_allowance(stack: Stack) -> None:
    """An aggregator app posts for many residents from one address: its key is counted, not its address."""
    settings = own_gateway(stack, rate_limit_anonymous_writes_per_minute=2, rate_limit_open311_key_per_minute=50)
    admin, _ = issue_token(TEST_TOKEN_SECRET, "staff:1", Role.ADMIN, 600)
    with TestClient(create_app(settings), client=(fresh_address(), 5000)) as client:
        issued = client.post(
            "/api/v1/reports/open311-keys", json={"name": "Aggregator"}, headers={"Authorization": f"Bearer {admin}"}
        )
        assert issued.status_code == 201, issued.text
        street = client.get("/api/v1/scheduling/streets", params={"limit": 1}).json()["items"][0]["centroid"]
        form = {"service_code": "litter", "lat": str(street["lat"]), "long": str(street["lon"])}
        keyed = [
            client.post("/open311/v2/requests.json", data={**form, "api_key": issued.json()["api_key"]})
            for _ in range(5)
        ]
        anonymous = [
            client.post(
                "/api/v1/reports/reports", json={"category": "litter", "lat": street["lat"], "lon": street["lon"]}
            ).status_code
            for _ in range(3)
        ]
    assert [r.status_code for r in keyed] == [201] * 5, keyed[-1].text
    assert anonymous == [201, 201, 429]  # the same address without the key keeps the anonymous allowance


# ---- sessions end when they should --------------------------------------------------------------------


def test_logout_ends_every_session_of_the_person(gateway: httpx.Client, stack: Stack) -> None:
    email, password = sign_up(gateway, stack)
    phone, laptop = login(gateway, email, password), login(gateway, email, password)
    assert gateway.get("/api/v1/volunteers/me", headers=laptop).status_code == 200
    assert gateway.post("/api/v1/auth/logout", headers=phone).status_code == 204
    assert gateway.get("/api/v1/volunteers/me", headers=phone).status_code == 401
    assert gateway.get("/api/v1/volunteers/me", headers=laptop).status_code == 401
    again = login(gateway, email, password)
    assert gateway.get("/api/v1/volunteers/me", headers=again).status_code == 200


def test_a_password_change_and_an_account_deletion_end_every_session(gateway: httpx.Client, stack: Stack) -> None:
    email, password = sign_up(gateway, stack)
    phone, laptop = login(gateway, email, password), login(gateway, email, password)
    changed = gateway.post(
        "/api/v1/volunteers/me/password",
        json={"current_password": password, "new_password": "another-long-one"},
        headers=phone,
    )
    assert changed.status_code == 204
    assert gateway.get("/api/v1/volunteers/me", headers=laptop).status_code == 401
    fresh, other = login(gateway, email, "another-long-one"), login(gateway, email, "another-long-one")
    assert gateway.delete("/api/v1/volunteers/me", headers=fresh).status_code == 204
    assert gateway.get("/api/v1/volunteers/me/export", headers=other).status_code == 401


def test_a_token_gets_503_when_sessions_cannot_be_checked(stack: Stack) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    token, _ = issue_token(TEST_TOKEN_SECRET, "volunteer:1", Role.VOLUNTEER, 600)
    with TestClient(create_app(own_gateway(stack, REDIS_URL=dead_redis))) as client:
        answer = client.get("/api/v1/volunteers/me", headers={"Authorization": f"Bearer {token}"})
        logout = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503 and answer.headers["retry-after"]
    assert logout.status_code == 503


def test_a_logged_out_token_gets_503_not_200_while_redis_does_not_answer(stack: Stack) -> None:
    """A paused Redis accepts the connection and never answers: the check times out and fails closed."""
    silent = socket.create_server(("127.0.0.1", 0), backlog=64)  # never accepts, never answers
    token, _ = issue_token(TEST_TOKEN_SECRET, "volunteer:1", Role.VOLUNTEER, 600)
    try:
        paused = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        with TestClient(create_app(own_gateway(stack, REDIS_URL=paused))) as client:
            answer = client.get("/api/v1/volunteers/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        silent.close()
    assert answer.status_code == 503 and answer.headers["retry-after"]


# ---- GDPR export --------------------------------------------------------------------------------------


def test_a_volunteer_downloads_everything_held_about_them(gateway: httpx.Client, stack: Stack) -> None:
    email, password = sign_up(gateway, stack, "Export Me")
    headers = login(gateway, email, password)
    gateway.patch("/api/v1/volunteers/me", json={"phone": "0612345678"}, headers=headers)
    team = gateway.post("/api/v1/volunteers/teams", json={"name": f"Export {uuid.uuid4().hex[:6]}"}, headers=headers)
    assert team.status_code == 201, team.text
    exported = gateway.get("/api/v1/volunteers/me/export", headers=headers)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    data = exported.json()
    assert data["account"]["email"] == email and data["account"]["phone"] == "0612345678"
    assert data["account"]["password_hash"] == "(withheld: a secret)"
    assert [m["team_id"] for m in data["team_memberships"]] == [team.json()["id"]]
    assert gateway.get("/api/v1/volunteers/me/export").status_code == 401


# ---- live updates cannot exhaust Redis ----------------------------------------------------------------

STREAMS = 200
_READERS: list[Any] = []


async def _open_stream(client: httpx.AsyncClient, token: str, opened: list[httpx.Response]) -> None:
    request = client.build_request("GET", "/api/v1/live/plans", params={"access_token": token})
    response = await client.send(request, stream=True)
    opened.append(response)
    if response.status_code == 200:
        lines = response.aiter_lines()
        _READERS.append(lines)  # an abandoned reader is collected, and closes its stream with it
        async for line in lines:
            if line.startswith("event: ready"):
                return


def _connected_clients(stack: Stack) -> int:
    import redis

    client = redis.Redis.from_url(stack.redis_server.url)
    try:
        return int(client.info("clients")["connected_clients"])
    finally:
        client.close()


def test_200_live_streams_leave_logins_limited_and_logout_working(stack: Stack) -> None:
    limit = a_limit()
    env = {
        "GATEWAY_LIVE_STREAMS_TOTAL": str(STREAMS),
        "GATEWAY_LIVE_STREAMS_PER_USER": "2",
        "GATEWAY_RATE_LIMIT_LOGIN_PER_MINUTE": "100000",
        "GATEWAY_RATE_LIMIT_PASSWORD_CHECKS_PER_ACCOUNT_PER_MINUTE": str(limit),
        "GATEWAY_REDIS_POOL_SIZE": "8",
    }
    staff = [issue_token(TEST_TOKEN_SECRET, f"staff:{9000 + i}", Role.DISPATCHER, 600)[0] for i in range(STREAMS // 2)]
    volunteer, _ = issue_token(TEST_TOKEN_SECRET, "volunteer:9999", Role.VOLUNTEER, 600)

    async def scenario(url: str) -> dict[str, Any]:
        limits = httpx.Limits(max_connections=STREAMS + 20)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            anonymous = (await client.get("/api/v1/live/plans")).status_code
            not_staff = (await client.get("/api/v1/live/plans", params={"access_token": volunteer})).status_code
            before = _connected_clients(stack)
            opened: list[httpx.Response] = []
            await asyncio.gather(*(_open_stream(client, staff[i // 2], opened) for i in range(STREAMS)))
            during = _connected_clients(stack)
            over_total = (await client.get("/api/v1/live/plans", params={"access_token": staff[0]})).status_code
            # meanwhile: password guesses are still counted, logout still ends the session, readiness answers
            email = f"live{uuid.uuid4().hex[:8]}@test.example"
            guesses = [
                (await client.post("/api/v1/auth/login", json={"email": email, "password": "x"})).status_code
                for _ in range(limit + 2)
            ]
            token = (await client.post("/api/v1/auth/login", json=DISPATCHER)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            crews_before = (await client.get("/api/v1/scheduling/crews", headers=headers)).status_code
            logout = (await client.post("/api/v1/auth/logout", headers=headers)).status_code
            crews_after = (await client.get("/api/v1/scheduling/crews", headers=headers)).status_code
            ready = (await client.get("/readyz")).status_code
            for response in opened:
                await response.aclose()
            _READERS.clear()
            await asyncio.sleep(2.5)  # the gateway notices the closed streams within a second
            again: list[httpx.Response] = []
            await _open_stream(client, staff[1], again)
            for response in again:
                await response.aclose()
            _READERS.clear()
            return {
                "anonymous": anonymous,
                "not_staff": not_staff,
                "opened": [r.status_code for r in opened],
                "redis_growth": during - before,
                "over_total": over_total,
                "guesses": guesses,
                "crews": (crews_before, logout, crews_after),
                "ready": ready,
                "again": [r.status_code for r in again],
            }

    with gateway_process(stack, **env) as url:
        found = run_to_completion(lambda: scenario(url))
    assert found["anonymous"] == 401 and found["not_staff"] == 403
    assert found["opened"] == [200] * STREAMS
    assert found["redis_growth"] < 10, found["redis_growth"]  # one subscription, not one per stream
    assert found["over_total"] == 429
    assert found["guesses"][:limit] == [401] * limit and found["guesses"][limit:] == [429, 429]
    assert found["crews"] == (200, 204, 401)
    assert found["ready"] == 200
    assert found["again"] == [200]


def test_a_person_cannot_hold_more_than_their_share_of_streams(stack: Stack) -> None:
    token, _ = issue_token(TEST_TOKEN_SECRET, f"staff:{random.randint(20000, 90000)}", Role.INSPECTOR, 600)

    async def scenario(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            opened: list[httpx.Response] = []
            for _ in range(3):
                await _open_stream(client, token, opened)
            codes = [r.status_code for r in opened]
            for response in opened:
                await response.aclose()
            _READERS.clear()
            return codes

    with gateway_process(stack, GATEWAY_LIVE_STREAMS_PER_USER="2") as url:
        assert run_to_completion(lambda: scenario(url)) == [200, 200, 429]


# ---- links the services make name the address the client used ----------------------------------


def test_open311_discovery_names_the_gateways_address_not_the_services(stack: Stack) -> None:
    def endpoint(answer: httpx.Response | Any) -> str:
        assert answer.status_code == 200, answer.text
        return str(answer.json()["endpoints"][0]["url"])

    assert endpoint(httpx.get(f"{stack.gateway_url}/open311/v2/discovery.json")) == f"{stack.gateway_url}/open311/v2"
    # a client's own X-Forwarded-Host is not believed (it would put its host into the links)
    spoofed = httpx.get(f"{stack.gateway_url}/open311/v2/discovery.json", headers={"X-Forwarded-Host": "evil.example"})
    assert endpoint(spoofed) == f"{stack.gateway_url}/open311/v2"
    # a trusted proxy's is: the city's public address
    proxy = fresh_address()
    with TestClient(create_app(own_gateway(stack, trusted_proxies=proxy)), client=(proxy, 5000)) as client:
        behind = client.get(
            "/open311/v2/discovery.json",
            headers={"X-Forwarded-Host": "streets.city.example", "X-Forwarded-Proto": "https"},
        )
    assert endpoint(behind) == "https://streets.city.example/open311/v2"
