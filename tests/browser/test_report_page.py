"""The resident's /report page in headless Chromium, on a phone-sized viewport, through the real stack."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from conftest import wait_for
from streetcare.testing import Stack

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def a_street(stack: Stack, index: int) -> dict[str, Any]:
    answer = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 120})
    assert answer.status_code == 200
    street: dict[str, Any] = answer.json()["items"][index]
    return street


def reports_with(stack: Stack, description: str) -> list[Any]:
    engine = create_engine(stack.database_urls["reports"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, photo_id FROM reports WHERE description = :d"), {"d": description}
            ).fetchall()
            return list(rows)
    finally:
        engine.dispose()


def phone(browser: Any, street: dict[str, Any]) -> Any:
    return browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        geolocation={"latitude": street["centroid"]["lat"], "longitude": street["centroid"]["lon"]},
        permissions=["geolocation"],
    )


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 60)).save(out, format="JPEG")
    return out.getvalue()


def test_file_a_report_with_a_photo_on_a_phone(stack: Stack, browser: Any) -> None:
    street = a_street(stack, 101)
    description = f"browser photo {uuid.uuid4().hex[:8]}"
    context = phone(browser, street)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{stack.gateway_url}/report")
        page.get_by_role("heading", name="Report litter").wait_for()
        page.wait_for_selector("#map svg path")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#spot:has-text('Spot chosen')")
        page.get_by_label("Litter", exact=True).check()
        page.set_input_files(
            "#photo", files=[{"name": "litter.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
        )
        page.get_by_label("What do you see? (optional)").fill(description)
        page.get_by_label("Email for updates (optional)").fill("browser@example.org")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
        page.get_by_role("button", name="Send report").click()
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        assert "#track=" in page.url
        assert page.locator("#track-status").inner_text() in ("Open", "Already reported")
        page.wait_for_selector("#track-photo:not([hidden])")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report-tracking.png"), full_page=True)
        rows = reports_with(stack, description)
        assert len(rows) == 1 and rows[0][1] is not None  # the photo is attached
        page.goto(f"{stack.gateway_url}/report")  # the form itself, for the record
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#spot:has-text('Spot chosen')")
        page.screenshot(path=str(SCREENSHOTS / "report-form.png"), full_page=True)
        page.get_by_role("button", name="Nederlands").click()
        page.get_by_role("heading", name="Zwerfafval melden").wait_for()
        assert errors == []
    finally:
        context.close()


def test_a_report_made_offline_is_sent_once_when_back_online(stack: Stack, browser: Any) -> None:
    street = a_street(stack, 77)
    description = f"browser offline {uuid.uuid4().hex[:8]}"
    context = phone(browser, street)
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        page.wait_for_selector("input[name=category]")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#spot:has-text('Spot chosen')")
        context.set_offline(True)
        page.get_by_label("Overflowing bin").check()
        page.get_by_label("What do you see? (optional)").fill(description)
        page.get_by_role("button", name="Send report").click()
        page.wait_for_selector("#message:has-text('saved on this phone')")
        assert page.evaluate("JSON.parse(localStorage.getItem('streetcare.report.queue')).length") == 1
        assert reports_with(stack, description) == []
        context.set_offline(False)
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        wait_for(
            lambda: page.evaluate("JSON.parse(localStorage.getItem('streetcare.report.queue') || '[]').length") == 0
        )
        # coming online again (a flaky connection) and reloading must not send it a second time
        context.set_offline(True)
        context.set_offline(False)
        page.reload()
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        assert len(reports_with(stack, description)) == 1
    finally:
        context.close()
