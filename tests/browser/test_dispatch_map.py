"""The dispatch page's map asks for the streets in view (a bounding box), never the whole city, and
its work queue's "below target, nobody covering" comes from the service's own query."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from conftest import replan_through_job, wait_for
from streetcare.testing import Stack
from tests.browser.helpers import API, dispatching, log_in

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]


def box_of(url: str) -> list[float]:
    return [float(x) for x in parse_qs(urlparse(url).query)["bbox"][0].split(",")]


def test_the_map_loads_streets_by_viewport_and_the_queue_comes_from_the_server(stack: Stack, browser: Any) -> None:
    headers, day = dispatching(stack)
    replan_through_job(stack.gateway_url, headers, day)
    plan = httpx.get(f"{stack.gateway_url}{API}/plans/{day}", headers=headers).json()
    on_plan = {v["street_id"] for c in plan["crews"] for v in c["visits"]}
    street = next(
        f
        for f in httpx.get(f"{stack.gateway_url}{API}/street-map", headers=headers).json()["features"]
        if f["id"] not in on_plan
    )
    lon, lat = street["geometry"]["coordinates"][0]
    # the service's answer, pinned so the test knows what the page must list
    queue = {
        "plan_date": day,
        "version": plan["version"],
        "total": 31,
        "streets": [
            {
                "street_id": street["id"],
                "name": street["properties"]["name"],
                "district": street["properties"]["district"],
                "level": "D",
                "target": "B",
                "open_reports": 0,
                "length_m": 100.0,
                "lat": lat,
                "lon": lon,
            }
        ],
    }
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/street-map" in r.url or "/uncovered" in r.url else None)
    page.route(
        "**/uncovered?*",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(queue)),
    )
    try:
        log_in(page, stack)
        page.wait_for_selector(".crew .visit", timeout=30_000)
        drawn = "(() => { let n = 0; Streetcare.maps[0].streetLayer.eachLayer(() => n++); return n; })()"
        wait_for(lambda: page.evaluate(drawn) > 0, timeout=30, message="streets on the map")
        maps = [u for u in asked if "/street-map" in u and "/extent" not in u]
        assert maps and all("bbox=" in u for u in maps), maps
        assert any("/street-map/extent" in u for u in asked)
        assert any(f"/plans/{day}/uncovered" in u for u in asked)
        first = box_of(maps[0])

        # zoomed in on one street: the page asks for that view only
        def narrow(url: str) -> bool:
            return "/street-map?" in url and box_of(url)[2] - box_of(url)[0] < (first[2] - first[0]) / 4

        with page.expect_request(lambda r: narrow(r.url), timeout=30_000):
            page.evaluate(f"void Streetcare.maps[0].setView([{lat}, {lon}], 18)")

        # the queue lists what the service found, and a click shows that street's place
        item = page.locator(f'#queue-uncovered button[data-street="{street["id"]}"]')
        item.wait_for(timeout=20_000)
        assert "D / B" in page.locator("#queue-uncovered li").first.inner_text()
        assert "and 30 more streets" in page.locator("#queue-uncovered").inner_text()
        page.evaluate("void Streetcare.maps[0].setView([0, 0], 3)")  # far away: the street must be brought back
        item.click()
        page.wait_for_selector(f'#details:not([hidden])[data-street="{street["id"]}"]', timeout=20_000)
        assert page.locator("#details-title").inner_text() == street["properties"]["name"]
        centre = page.evaluate("(() => { const c = Streetcare.maps[0].getCenter(); return [c.lat, c.lng]; })()")
        assert abs(centre[0] - lat) < 0.01 and abs(centre[1] - lon) < 0.01
    finally:
        context.close()
