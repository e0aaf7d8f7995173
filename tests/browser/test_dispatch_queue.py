"""The dispatcher's work queue lists the volunteers' bag pick-ups (from the volunteers service,
through the gateway), and each item links to its place on the map and to its visit on the plan."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import replan_through_job, wait_for
from streetcare.testing import Stack
from tests.browser.helpers import API, dispatching, log_in
from tests.test_authorization import sign_up

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]


def test_bag_pick_ups_are_in_the_queue_with_their_place_and_their_visit(stack: Stack, browser: Any) -> None:
    headers, day = dispatching(stack)
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        volunteer, _ = sign_up(client, "Bag carrier", stack)
        street = client.get(f"{API}/street-map", headers=headers).json()["features"][40]
        lon, lat = street["geometry"]["coordinates"][0]
        asked = client.post(
            "/api/v1/volunteers/bags",
            json={"lat": lat, "lon": lon, "bags": 3, "street_id": street["id"], "note": "by the blue bin"},
            headers=volunteer,
        )
        assert asked.status_code == 201, asked.text
        request = asked.json()
    candidate = f"bags:{request['id']}"

    def planned() -> dict[str, Any] | None:
        replan_through_job(stack.gateway_url, headers, day)
        plan = httpx.get(f"{stack.gateway_url}{API}/plans/{day}", headers=headers).json()
        return next((v for c in plan["crews"] for v in c["visits"] if v["candidate_id"] == candidate), None)

    visit = wait_for(planned, timeout=120, interval=2, message="the bags on a crew's route")

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nl-NL")
    page = context.new_page()
    try:
        log_in(page, stack)
        item = page.locator(f'#queue-bags li[data-bags="{request["id"]}"]')
        item.wait_for(timeout=30_000)
        text = item.inner_text()
        assert "3 zakken" in text and street["properties"]["name"].split(",")[0] in text, text
        assert "by the blue bin" in text and "wacht" in text, text
        plan_link = item.locator("button.plan-link")
        assert plan_link.get_attribute("data-visit") == str(visit["visit_id"])
        assert plan_link.inner_text().startswith("in de planning: ")

        # to its visit on the plan
        plan_link.click()
        page.wait_for_selector(f'.visit.focused[data-visit="{visit["visit_id"]}"]')
        assert page.evaluate("document.activeElement.closest('.visit').dataset.visit") == str(visit["visit_id"])

        # to its place on the map: the street's details, and the spot marked
        item.locator("button").first.click()
        page.wait_for_selector(f'#details:not([hidden])[data-street="{street["id"]}"]', timeout=20_000)
        marked = page.evaluate(
            """(() => { let at = null; Streetcare.maps[0].eachLayer(l => {
                if (l.options && l.options.className === 'queue-place') at = l.getLatLng(); });
                return at && [at.lat, at.lng]; })()"""
        )
        assert marked == pytest.approx([lat, lon])
    finally:
        context.close()
