"""Volunteers through the real stack: the gateway, Redis, the worker and scheduling."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from conftest import patient_post, wait_for
from streetcare.testing import Stack

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]


def volunteer(client: httpx.Client, stack: Stack, name: str = "Stack volunteer") -> dict[str, str]:
    """A volunteer who signed up, followed the link in the mail that arrived and logged in."""
    email = f"stack{uuid.uuid4().hex[:10]}@test.example"
    signup = patient_post(
        client, "/api/v1/volunteers/signup", {"display_name": name, "email": email, "password": "a-long-password"}
    )
    assert signup.status_code == 202, signup.text
    stack.confirm_by_mail(email, client)
    login = client.post("/api/v1/auth/login", json={"email": email, "password": "a-long-password"})
    assert login.status_code == 200 and login.json()["role"] == "volunteer"
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def streets(client: httpx.Client, offset: int, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        "/api/v1/scheduling/streets", params={"offset": offset, "limit": limit}
    ).json()["items"]
    return items


def state(client: httpx.Client, street_id: int) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/api/v1/scheduling/streets/{street_id}").json()
    return found


def test_adoption_pause_and_pick_reach_scheduling(stack: Stack) -> None:
    # each step may wait up to a minute: the shared stack serves every other stack test at the same
    # time (on a 2-core machine an event took longer than 15 s twice); latency has its own test
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as client:
        headers = volunteer(client, stack)
        street = streets(client, 300, 1)[0]
        assert client.get(f"/api/v1/volunteers/streets/{street['id']}").json()["name"] == street["name"]
        adoption = client.post(
            "/api/v1/volunteers/adoptions", json={"street_id": street["id"], "rhythm": "weekly"}, headers=headers
        ).json()
        wait_for(lambda: state(client, street["id"])["adopted"], timeout=60, message="adoption.started")
        until = (date.today() + timedelta(days=7)).isoformat()
        paused = client.post(
            f"/api/v1/volunteers/adoptions/{adoption['id']}/pause", json={"until": until}, headers=headers
        )
        assert paused.status_code == 200
        wait_for(lambda: not state(client, street["id"])["adopted"], timeout=60, message="the pause to uncover it")
        client.post(f"/api/v1/volunteers/adoptions/{adoption['id']}/resume", headers=headers)
        pick = client.post("/api/v1/volunteers/picks", json={"street_ids": [street["id"]], "bags": 2}, headers=headers)
        assert pick.status_code == 201
        after = wait_for(
            lambda: (s := state(client, street["id"]))["adopted"] and s["last_picked_at"] and s,
            timeout=60,
            message="the resumed adoption and the pick",
        )
        assert after["adopters"] == 1
        bags = client.post(
            "/api/v1/volunteers/bags",
            json={"lat": street["centroid"]["lat"], "lon": street["centroid"]["lon"], "bags": 3},
            headers=headers,
        )
        assert bags.status_code == 201 and bags.json()["street_id"] == street["id"]
        # the gateway passes the calendar feed through without a bearer token
        link = client.get("/api/v1/volunteers/me/calendar", headers=headers).json()["url"]
        feed = client.get("/api/v1/volunteers/calendar/" + link.rsplit("/", 1)[1])
        assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")


def test_pick_to_scheduling_latency_median(stack: Stack) -> None:
    """Figures for the note: pick POST through the gateway → scheduling shows last_picked_at."""
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as client:
        headers = volunteer(client, stack, "Latency")
        latencies = []
        total = client.get("/api/v1/scheduling/streets", params={"limit": 1}).json()["total"]
        for street in streets(client, total - 20, 20):
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/volunteers/picks",
                json={"street_ids": [street["id"]], "bags": 1, "minutes": 10},
                headers=headers,
            )
            assert answer.status_code == 201
            picked_at = answer.json()["picked_at"]
            wait_for(
                lambda s=street, p=picked_at: (state(client, s["id"])["last_picked_at"] or "")[:19] >= p[:19],
                timeout=15,
                interval=0.01,
                message="scheduling to see the pick",
            )
            latencies.append(time.perf_counter() - started)
    print(
        f"\npick POST → scheduling street state over {len(latencies)} picks: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    assert len(latencies) == 20


def test_volunteer_page_is_served_without_inline_script(stack: Stack) -> None:
    page = httpx.get(f"{stack.gateway_url}/volunteer")
    assert page.status_code == 200 and '<script src="/static/volunteer.js"' in page.text
    assert "<script>" not in page.text and " onclick=" not in page.text
    assert httpx.get(f"{stack.gateway_url}/static/volunteer.js").status_code == 200
