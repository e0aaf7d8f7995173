"""The first slice through the whole stack, on real processes, Redis and databases."""

from __future__ import annotations

import statistics
import time
from typing import Any

import httpx
import pytest

from conftest import wait_for
from kernel.auth import SERVICE_TOKEN_HEADER
from streetcare.testing import SERVICE_HEADERS, Stack, mailed_confirmation_link

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]


def first_streets(stack: Stack, limit: int = 5) -> list[dict[str, Any]]:
    answer = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": limit})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] >= 300
    items: list[dict[str, Any]] = body["items"]
    return items


def street_state(stack: Stack, street_id: int) -> dict[str, Any]:
    answer = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets/{street_id}")
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state


def test_street_list_has_the_contract_fields(stack: Stack) -> None:
    streets = first_streets(stack, limit=7)
    assert len(streets) == 7
    for street in streets:
        assert set(street) >= {"id", "name", "district", "length_m", "centroid"}
        assert set(street["centroid"]) == {"lat", "lon"}
        assert street["length_m"] > 0


def test_report_reaches_street_state(stack: Stack) -> None:
    street = first_streets(stack, limit=40)[-1]
    before = street_state(stack, street["id"])["open_reports"]
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/reports/reports",
        json={
            "category": "litter",
            "lat": street["centroid"]["lat"],
            "lon": street["centroid"]["lon"],
            "description": "cans",
        },
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "open"
    assert body["street_id"] == street["id"]
    assert isinstance(body["id"], int)
    # both in one answer: the street's reports and its state are read by two statements, and the
    # report may be committed between them (neither SQLite's nor PostgreSQL's default isolation
    # makes a read-only request one snapshot), so an answer may show the count before the time
    state = wait_for(
        lambda: (s := street_state(stack, street["id"]))["open_reports"] > before and s["last_report_at"] and s,
        timeout=15,
        message="scheduling to count the report and record when it came",
    )
    assert {"estimated_level", "adopted", "last_cleaned_at"} <= set(state)


def test_point_outside_the_city_is_refused_with_a_reason(stack: Stack) -> None:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/reports/reports", json={"category": "litter", "lat": 51.92, "lon": 4.48}
    )
    assert answer.status_code == 422
    assert "not within" in answer.json()["detail"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"category": "graffiti", "lat": 60.17, "lon": 24.94}, "category"),
        ({"category": "litter", "lat": 123, "lon": 24.94}, "lat"),
        ({"category": "litter"}, "lat"),
    ],
)
def test_bad_report_input_gets_a_clear_422(stack: Stack, body: dict[str, Any], fragment: str) -> None:
    answer = httpx.post(f"{stack.gateway_url}/api/v1/reports/reports", json=body)
    assert answer.status_code == 422
    assert fragment in answer.json()["detail"]


def test_login_issues_a_token_the_services_verify(stack: Stack) -> None:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/auth/login",
        json={"email": "dispatcher@test.example", "password": "dispatcher-password"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and body["role"] == "dispatcher" and body["access_token"]
    wrong = httpx.post(
        f"{stack.gateway_url}/api/v1/auth/login", json={"email": "dispatcher@test.example", "password": "nope"}
    )
    assert wrong.status_code == 401


def test_volunteer_signs_up_logs_in_and_logs_out(stack: Stack) -> None:
    email = f"v{time.monotonic_ns()}@test.example"
    signup = httpx.post(
        f"{stack.gateway_url}/api/v1/volunteers/signup",
        json={"display_name": "Sam", "email": email, "password": "a-long-password"},
    )
    assert signup.status_code == 202 and email in signup.json()["detail"], signup.text
    # no login before the address is confirmed: a 403 that says to follow the link in the mail (nl or en)
    early = httpx.post(
        f"{stack.gateway_url}/api/v1/auth/login",
        json={"email": email, "password": "a-long-password"},
        headers={"Accept-Language": "nl"},
    )
    assert early.status_code == 403 and "volg de link in de mail" in early.json()["detail"], early.text
    # the link in the mail that the stack's SMTP catcher received confirms it
    link = mailed_confirmation_link(stack.mail_catcher_dir, email)
    assert link.startswith("http") and "/volunteer#confirm=" in link
    stack.confirm_by_mail(email)
    token = httpx.post(
        f"{stack.gateway_url}/api/v1/auth/login", json={"email": email, "password": "a-long-password"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{stack.gateway_url}/api/v1/volunteers/me", headers=headers)
    assert me.status_code == 200 and me.json()["email"] == email
    assert httpx.post(f"{stack.gateway_url}/api/v1/auth/logout", headers=headers).status_code == 204
    assert httpx.get(f"{stack.gateway_url}/api/v1/volunteers/me", headers=headers).status_code == 401


def test_services_refuse_internal_calls_without_the_service_credential(stack: Stack) -> None:
    answer = httpx.post(
        f"{stack.url('scheduling')}/internal/auth/verify",
        json={"email": "dispatcher@test.example", "password": "dispatcher-password"},
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("process", "path"),
    [
        ("scheduling", "/api/v1/scheduling/streets"),
        ("reports", "/api/v1/reports/map.geojson"),
        ("volunteers", "/api/v1/volunteers/impact/streets/1"),
        ("reports", "/open311/v2/services.json"),
    ],
)
def test_services_answer_only_the_gateway_even_on_public_routes(stack: Stack, process: str, path: str) -> None:
    """Reachable only with the service credential, whatever the network allows."""
    refused = httpx.get(f"{stack.url(process)}{path}")
    assert refused.status_code == 403 and "gateway" in refused.json()["detail"]
    forged = httpx.get(f"{stack.url(process)}{path}", headers={SERVICE_TOKEN_HEADER: "guess"})
    assert forged.status_code == 403
    assert httpx.get(f"{stack.url(process)}{path}", headers=SERVICE_HEADERS).status_code == 200
    assert httpx.get(f"{stack.gateway_url}{path}").status_code == 200


@pytest.mark.parametrize("process", ["gateway", "scheduling", "reports", "volunteers"])
def test_every_process_has_health_readiness_and_metrics(stack: Stack, process: str) -> None:
    base = stack.gateway_url if process == "gateway" else stack.url(process)
    assert httpx.get(f"{base}/healthz").status_code == 200
    ready = httpx.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    metrics = httpx.get(f"{base}/metrics").text
    assert "http_requests_total" in metrics
    if process != "gateway":
        assert "streetcare_outbox_pending" in metrics


def test_metrics_are_labelled_by_route_template(stack: Stack) -> None:
    street = first_streets(stack, limit=1)[0]
    street_state(stack, street["id"])
    metrics = httpx.get(f"{stack.url('scheduling')}/metrics").text
    assert 'route="/api/v1/scheduling/streets/{street_id}"' in metrics
    assert f'route="/api/v1/scheduling/streets/{street["id"]}"' not in metrics


def test_worker_serves_metrics(stack: Stack) -> None:
    answer = wait_for(
        lambda: _get_or_none(f"http://127.0.0.1:{stack.ports['workers_metrics']}/metrics"),
        timeout=30,
        message="worker metrics",
    )
    assert "streetcare_events_consumed_total" in answer.text


def _get_or_none(url: str) -> httpx.Response | None:
    try:
        answer = httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return None
    return answer if answer.status_code == 200 else None


def test_correlation_id_is_echoed(stack: Stack) -> None:
    answer = httpx.get(f"{stack.gateway_url}/healthz", headers={"X-Correlation-ID": "abc-123"})
    assert answer.headers["x-correlation-id"] == "abc-123"


def test_report_to_street_state_latency_p50(stack: Stack) -> None:
    """Figures for the note: report POST → street state updated, over 100 reports."""
    streets = first_streets(stack, limit=200)[100:200]
    assert len(streets) == 100, "the demo city needs at least 200 streets for this measurement"
    latencies = []
    report_ids = set()
    with httpx.Client(base_url=stack.gateway_url) as client:
        for street in streets:
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/reports/reports",
                json={
                    "category": "overflowing_bin",
                    "lat": street["centroid"]["lat"],
                    "lon": street["centroid"]["lon"],
                },
            )
            assert answer.status_code == 201
            report = answer.json()
            report_ids.add(report["id"])
            wait_for(
                lambda r=report: (
                    (client.get(f"/api/v1/scheduling/streets/{r['street_id']}").json()["last_report_at"] or "")
                    >= r["created_at"]
                ),
                timeout=15,
                interval=0.01,
                message="street state",
            )
            latencies.append(time.perf_counter() - started)
    p50 = statistics.median(latencies)
    print(
        f"\nreport POST → street state updated over {len(latencies)} reports: p50 {p50 * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )
    assert len(report_ids) == 100, "every POST made a report of its own"
