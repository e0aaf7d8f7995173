"""The dispatcher's /dispatch page in headless Chromium: login, map, plans, a live update, Dutch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import seed_demo_crews, wait_for
from streetcare.testing import Stack

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
API = "/api/v1/scheduling"


def dispatcher_token(stack: Stack) -> str:
    answer = httpx.post(
        f"{stack.gateway_url}/api/v1/auth/login",
        json={"email": "dispatcher@test.example", "password": "dispatcher-password"},
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def test_dispatcher_logs_in_sees_plans_and_map_and_receives_a_live_update(stack: Stack, browser: Any) -> None:
    seed_demo_crews(stack)
    headers = {"Authorization": f"Bearer {dispatcher_token(stack)}"}
    day = httpx.get(f"{stack.gateway_url}{API}/plan-days", headers=headers).json()["today"]
    assert httpx.post(f"{stack.gateway_url}{API}/plans/{day}/replan", headers=headers, timeout=120).status_code == 200

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    failed: list[str] = []
    page.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(stack.gateway_url) else None)
    try:
        page.goto(f"{stack.gateway_url}/dispatch")
        page.fill("#email", "dispatcher@test.example")
        page.fill("#password", "dispatcher-password")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#map polyline.street", timeout=30_000)
        page.wait_for_selector(".crew .visit", timeout=30_000)
        assert page.locator("#map polyline.street").count() == 336
        assert page.locator("#map polyline.route").count() >= 1
        first_reason = page.locator(".crew .visit .reason").first.inner_text()
        assert "expected level" in first_reason
        version = int(page.locator("body").get_attribute("data-version") or "0")
        assert version >= 1
        wait_for(lambda: page.locator("#live-status[data-state=on]").count() == 1, timeout=20, message="live stream")

        # a re-plan elsewhere (another dispatcher) reaches this page through the live stream
        replanned = httpx.post(f"{stack.gateway_url}{API}/plans/{day}/replan", headers=headers, timeout=120).json()
        page.wait_for_function(
            "v => Number(document.body.dataset.liveVersion) >= v && Number(document.body.dataset.version) >= v",
            arg=replanned["version"],
            timeout=30_000,
        )
        assert "version" in page.locator("#live-status").inner_text()

        # mark the first visit done
        first = page.locator(".crew .visit").first
        visit_id = first.get_attribute("data-visit")
        first.locator("button.mark-done").click()
        page.wait_for_selector(f'.visit[data-visit="{visit_id}"] .badge.done', timeout=30_000)

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dispatch.png"), full_page=False)

        page.click("button.lang[data-lang=nl]")
        assert page.locator("button.day[data-day=today]").inner_text() == "Vandaag"
        assert "Ploegplanning" in page.locator("#plan-title").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "dispatch-nl.png"), full_page=False)
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
        assert not [e for e in errors if "Failed to load resource" not in e], errors
        assert failed == [], failed
        assert external == [], "the page must not fetch anything outside the gateway (no tiles, no CDN)"
    finally:
        context.close()
