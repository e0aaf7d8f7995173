"""Screenshots of every page in Dutch and English, phone (360 px) and desktop (1440×900), into var/screens/.

Not part of the suite's checks: it runs only with STREETCARE_SCREENS=1 (pictures for people to look at)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import replan_through_job
from streetcare.testing import HarnessSettings, Stack
from tests.browser.helpers import DISPATCHER_LOGIN, dispatching
from tests.browser.volunteer_signup import sign_up_and_log_in

pytestmark = [
    pytest.mark.stack,
    pytest.mark.browser,
    pytest.mark.xdist_group("stack"),
    pytest.mark.skipif(HarnessSettings().screens != "1", reason="set STREETCARE_SCREENS=1 for screenshots"),
]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1440, "height": 900}}


def test_screenshots(stack: Stack, browser: Any) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    headers, day = dispatching(stack, "tomorrow")  # as the other dispatch tests that read a whole plan
    replan_through_job(stack.gateway_url, headers, day)
    street = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 120}).json()["items"][101]
    spot = {"latitude": street["centroid"]["lat"], "longitude": street["centroid"]["lon"]}
    for lang, locale in (("en", "en-GB"), ("nl", "nl-NL")):
        for size, viewport in SIZES.items():
            phone = size == "phone"
            context = browser.new_context(
                viewport=viewport, locale=locale, geolocation=spot, permissions=["geolocation"], is_mobile=phone
            )
            page = context.new_page()
            page.goto(f"{stack.gateway_url}/")
            page.wait_for_timeout(500)
            page.screenshot(path=str(SCREENS / f"index-{lang}-{size}.png"), full_page=True)
            page.goto(f"{stack.gateway_url}/report")
            page.wait_for_selector("input[name=category]")
            page.locator("#locate").click()
            page.wait_for_selector("#spot[data-state=street]")
            page.wait_for_timeout(800)
            page.screenshot(path=str(SCREENS / f"report-{lang}-{size}.png"), full_page=True)
            page.goto(f"{stack.gateway_url}/volunteer")
            sign_up_and_log_in(page, stack, "Sam", f"screen{time.monotonic_ns()}@test.example")
            page.locator(".tab[data-tab=find]").click()
            page.locator("#near-me").click()
            page.wait_for_selector("#results li")
            page.wait_for_timeout(800)
            page.screenshot(path=str(SCREENS / f"volunteer-{lang}-{size}.png"), full_page=size == "phone")
            page.goto(f"{stack.gateway_url}/dispatch")
            page.fill("#email", DISPATCHER_LOGIN["email"])
            page.fill("#password", DISPATCHER_LOGIN["password"])
            page.click("#login-form button[type=submit]")
            page.locator("button.day[data-day=tomorrow]").click()
            page.wait_for_selector(".crew .visit", timeout=30_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(SCREENS / f"dispatch-{lang}-{size}.png"), full_page=False)
            context.close()
