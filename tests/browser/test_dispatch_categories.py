"""The dispatch page's Categories section in headless Chromium: an admin adds, edits and retires a
report category; residents' list and Open311 follow; a refused change says why in the page's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import service_settings, wait_for
from streetcare.testing import Stack
from tests.browser.axe import serious_violations
from tests.browser.helpers import error_beside, log_in

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]
CATEGORIES = "/api/v1/reports/categories"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def admin_login(stack: Stack) -> tuple[str, str]:
    from kernel.auth import Role
    from services.scheduling import admin as scheduling_admin

    settings = service_settings("scheduling", stack.redis_server.url, stack.database_urls["scheduling"])
    scheduling_admin.ensure_staff("admin@test.example", "Test admin", Role.ADMIN, "admin-password-1", settings)
    return "admin@test.example", "admin-password-1"


def offered(stack: Stack) -> list[str]:
    return [s["service_code"] for s in httpx.get(f"{stack.gateway_url}/open311/v2/services.json").json()]


def test_an_admin_manages_categories_on_the_dispatch_page(stack: Stack, browser: Any) -> None:
    email, password = admin_login(stack)
    token = httpx.post(f"{stack.gateway_url}/api/v1/auth/login", json={"email": email, "password": password})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{stack.gateway_url}/dispatch")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector('#categories-body tr[data-code="hazard"]', timeout=30_000)
        assert page.locator("#categories-body tr").count() >= 4
        hazard = page.locator('#categories-body tr[data-code="hazard"] td')
        assert hazard.nth(1).inner_text() == "Needles or hazardous waste" and hazard.nth(2).inner_text() == "1"

        # add one, with a question to choose an answer from
        page.get_by_role("button", name="Add a category").click()
        page.fill("#cat-code", "graffiti_page")
        page.fill("#cat-name-nl", "Graffiti")
        page.fill("#cat-name-en", "Graffiti tags")
        page.fill("#cat-target", "4")
        page.select_option("#cat-severity", "1")
        page.get_by_role("button", name="Add a question").click()
        question = page.locator("#cat-questions .category-question").first
        question.locator('[data-q="code"]').fill("surface")
        question.locator('[data-q="datatype"]').select_option("singlevaluelist")
        question.locator('[data-q="description_nl"]').fill("Waar zit het?")
        question.locator('[data-q="description_en"]').fill("Where is it?")
        question.locator('[data-q="values"]').fill("wall | Wall | Muur\nbench | Bench | Bankje")
        question.locator('[data-q="required"]').check()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#categories-admin").screenshot(path=str(SCREENSHOTS / "dispatch-categories.png"))
        page.locator("#category-save").click()
        page.wait_for_selector('#categories-body tr[data-code="graffiti_page"]', timeout=15_000)
        assert "Graffiti tags saved" in page.locator("#categories-message").inner_text()
        dutch = {c["code"]: c for c in httpx.get(f"{stack.gateway_url}{CATEGORIES}", params={"lang": "nl"}).json()}
        assert dutch["graffiti_page"]["response_working_days"] == 4
        assert dutch["graffiti_page"]["attributes"][0]["values"] == [
            {"key": "wall", "name": "Muur"},
            {"key": "bench", "name": "Bankje"},
        ]
        assert "graffiti_page" in offered(stack)

        # a change the service refuses is explained, in Dutch once the page speaks Dutch
        page.locator("button.lang[data-lang=nl]").click()
        row = page.locator('#categories-body tr[data-code="graffiti_page"]')
        row.get_by_role("button", name="Bewerken").click()
        page.fill("#cat-target", "99")
        page.locator("#category-save").click()
        # from the one catalogue by its code, beside the field it is about; never the service's words
        wait_for(lambda: error_beside(page, "cat-target") != "", message="the refusal beside the target")
        assert error_beside(page, "cat-target") == "De reactietermijn is 0 tot 60 werkdagen."
        assert "niet 99" not in page.locator("#category-form").inner_text()
        assert page.locator("#category-error").inner_text() == ""
        # a question's refusal goes beside that question's field
        page.get_by_role("button", name="Vraag toevoegen").click()
        extra = page.locator("#cat-questions .category-question").nth(1)
        extra.locator('[data-q="code"]').fill("colour")
        extra.locator('[data-q="datatype"]').select_option("singlevaluelist")
        extra.locator('[data-q="description_nl"]').fill("Welke kleur?")
        extra.locator('[data-q="description_en"]').fill("Which colour?")
        page.fill("#cat-target", "7")
        page.locator("#category-save").click()
        beside = extra.locator('[data-q="values"] + .field-error')
        beside.wait_for(timeout=15_000)
        assert beside.inner_text().startswith("Vraag ‘colour’ is een keuzelijst")
        assert extra.locator('[data-q="values"]').get_attribute("aria-invalid") == "true"
        extra.get_by_role("button", name="Vraag verwijderen").click()
        page.fill("#cat-target", "7")
        page.locator("#category-save").click()
        wait_for(lambda: row.locator("td").nth(2).inner_text() == "7", timeout=15, message="the new target")
        assert page.locator("#category-form").is_hidden()
        assert serious_violations(page) == []

        # retire it: no longer offered to residents or Open311 apps
        row.get_by_role("button", name="Opheffen").click()
        wait_for(lambda: row.locator("td").nth(5).inner_text() == "opgeheven", timeout=15, message="retired")
        assert "graffiti_page" not in offered(stack)
        assert "graffiti_page" not in [c["code"] for c in httpx.get(f"{stack.gateway_url}{CATEGORIES}").json()]
        assert errors == []
    finally:
        context.close()
        httpx.delete(f"{stack.gateway_url}{CATEGORIES}/graffiti_page", headers=headers)  # unused: deleted

    # a dispatcher uses the same page without the section
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        log_in(page, stack)
        page.wait_for_selector("#app:not([hidden])", timeout=30_000)
        assert page.locator("#categories-admin").is_hidden()
        assert page.locator("#categories-body tr").count() == 0  # nothing was even asked for
    finally:
        context.close()
