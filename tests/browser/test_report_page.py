"""The resident's /report page in headless Chromium, on a phone-sized viewport, through the real stack."""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from conftest import wait_for
from streetcare.testing import Stack
from tests.browser.axe import serious_violations, small_tap_targets
from tests.browser.helpers import dispatcher_token, error_beside

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


def phone(browser: Any, street: dict[str, Any], locale: str = "en-GB", lat_shift: float = 0.0, **options: Any) -> Any:
    return browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        geolocation={"latitude": street["centroid"]["lat"] + lat_shift, "longitude": street["centroid"]["lon"]},
        permissions=["geolocation"],
        **options,
    )


MAP_STATE = """(() => {
    const m = Streetcare.maps[0], c = m.getCenter();
    return {zoom: m.getZoom(), lat: c.lat, lon: c.lng};
})()"""
PIN_AT = """(() => {
    let p;
    Streetcare.maps[0].eachLayer(l => { if (l.dragging && l.getLatLng) p = l.getLatLng(); });
    return [p.lat, p.lng];
})()"""


PIN_IN_VIEW = """(() => {
    const m = Streetcare.maps[0];
    m.eachLayer(l => { if (l.dragging && l.getLatLng) m.setView(l.getLatLng(), m.getZoom(), {animate: false}); });
})()"""
PIN_GRAB_POINT = """(() => {
    const pin = document.querySelector('.leaflet-marker-icon.pin'), box = pin.getBoundingClientRect();
    for (const [fx, fy] of [[0.5, 0.7], [0.5, 0.5], [0.3, 0.6], [0.7, 0.6], [0.5, 0.3], [0.3, 0.3], [0.7, 0.3]]) {
        const x = box.left + box.width * fx, y = box.top + box.height * fy;
        const hit = document.elementFromPoint(x, y);
        if (hit && (hit === pin || pin.contains(hit))) return {x, y};
    }
    return null;
})()"""


BARE_MAP_POINT = """(() => {
    const box = document.getElementById('map').getBoundingClientRect();
    for (const [fx, fy] of [[0.3, 0.7], [0.25, 0.75], [0.35, 0.65], [0.2, 0.6], [0.4, 0.8], [0.3, 0.5]]) {
        const x = box.left + box.width * fx, y = box.top + box.height * fy;
        const hit = document.elementFromPoint(x, y);
        if (hit && (hit.tagName === 'CANVAS' || hit.classList.contains('leaflet-container'))) return {x, y};
    }
    return null;
})()"""


def map_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(MAP_STATE)
    return state


def map_at_rest(page: Any) -> bool:
    """Leaflet pans on with inertia after a drag ends; a pin's box read mid-glide is already stale."""
    first = map_state(page)
    page.wait_for_timeout(250)
    gliding = page.evaluate("!!(Streetcare.maps[0]._panAnim && Streetcare.maps[0]._panAnim._inProgress)")
    return not gliding and map_state(page) == first


def queue_length(page: Any) -> int:
    return int(page.evaluate("JSON.parse(localStorage.getItem('streetcare.report.queue') || '[]').length"))


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 60)).save(out, format="JPEG")
    return out.getvalue()


def test_file_a_report_with_a_photo_on_a_phone(stack: Stack, browser: Any) -> None:
    street = a_street(stack, 101)
    description = f"browser photo {uuid.uuid4().hex[:8]}"
    context = phone(browser, street, bypass_csp=True)  # bypass_csp: axe is injected inline
    errors: list[str] = []
    external: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(stack.gateway_url) else None)
        page.goto(f"{stack.gateway_url}/report")
        page.get_by_role("heading", name="Report litter").wait_for()
        page.wait_for_selector("#map.leaflet-container")
        wait_for(
            lambda: page.evaluate("Streetcare.maps && Streetcare.maps.length === 1"), timeout=30, message="the map"
        )
        assert serious_violations(page) == []
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#spot[data-state=street]")
        # the street's name is shown as soon as the spot is set
        assert page.locator("#spot").inner_text().startswith("Spot chosen: ")
        assert len(page.locator("#spot").inner_text()) > len("Spot chosen: ")
        assert map_state(page)["zoom"] >= 17
        page.get_by_label("Litter", exact=True).check()
        page.set_input_files(
            "#photo", files=[{"name": "litter.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
        )
        page.get_by_label("What do you see? (optional)").fill(description)
        page.get_by_label("Email for updates (optional)").fill("browser@example.org")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
        assert small_tap_targets(page) == []
        assert serious_violations(page) == []
        page.get_by_role("button", name="Send report").click()
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        assert "#track=" in page.url
        assert page.locator("#track-status").inner_text() in ("Open", "Already reported")
        assert page.locator("#track-facts").inner_text().count("Litter") == 1  # the category in words, not "litter"
        page.wait_for_selector("#track-photo:not([hidden])")
        assert serious_violations(page) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report-tracking.png"), full_page=True)
        rows = reports_with(stack, description)
        assert len(rows) == 1 and rows[0][1] is not None  # the photo is attached
        # a second report at the same spot sees the first nearby, with its photo and its age
        page.goto(f"{stack.gateway_url}/report")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#nearby li img.thumb")
        assert "reported" in page.locator("#nearby li").first.inner_text()
        page.get_by_role("button", name="Nederlands").click()
        page.get_by_role("heading", name="Zwerfafval melden").wait_for()
        assert "gemeld" in page.locator("#nearby li").first.inner_text()
        assert page.locator("#spot").inner_text().startswith("Plek gekozen: ")
        assert serious_violations(page) == []
        assert errors == []
        assert external == []  # no CDN, no tile server: the city's own streets are the base map
    finally:
        context.close()


def test_the_map_pans_and_zooms_and_the_pin_drags(stack: Stack, browser: Any) -> None:
    street = a_street(stack, 30)
    context = phone(browser, street, service_workers="block")  # requests a worker makes are not routed
    try:
        page = context.new_page()
        # the first look at the city arrives late (a slow network): the person locates themselves
        # and zooms out before it does, and the late answer must not take their view away
        first_look: list[Any] = []
        page.route(lambda url: url.endswith("/streets.geojson?limit=400"), lambda route: first_look.append(route))
        page.goto(f"{stack.gateway_url}/report")
        wait_for(
            lambda: page.evaluate("!!(Streetcare.maps && Streetcare.maps.length === 1)") and first_look,
            timeout=30,
            message="the map, its first look held back",
        )
        page.get_by_role("button", name="Use my location").click()
        wait_for(
            lambda: page.evaluate("Streetcare.maps[0].getZoom()") == 17, message="the located spot at street level"
        )
        before = map_state(page)
        page.locator(".leaflet-control-zoom-out").click()
        wait_for(lambda: map_state(page)["zoom"] == before["zoom"] - 1, message="zoomed out")
        first_look[0].continue_()
        page.wait_for_selector("#spot[data-state=street]")
        wait_for(
            lambda: page.evaluate("Streetcare.maps[0].streetLayer.getLayers().length > 0"), message="the first look"
        )
        assert map_state(page)["zoom"] == before["zoom"] - 1  # the late first look kept the person's view
        # Leaflet sets the new zoom as its zoom animation starts and ignores a drag until it ends
        wait_for(lambda: page.evaluate("!document.querySelector('#map .leaflet-zoom-anim')"), message="zoom at rest")
        start = page.evaluate(BARE_MAP_POINT)  # not on a marker of a nearby report: they take the mouse
        assert start, "no bare spot on the map to drag from"
        page.mouse.move(start["x"], start["y"])
        page.mouse.down()
        page.mouse.move(start["x"] + 100, start["y"] - 100, steps=8)
        page.mouse.up()
        moved = map_state(page)
        assert (moved["lat"], moved["lon"]) != (before["lat"], before["lon"])  # panned
        wait_for(lambda: map_at_rest(page), message="the map at rest after the pan")
        # the pan may have carried the pin under a control or to the map's edge: bring it back into
        # view, then take it where nothing else (a nearby report's marker) lies over it
        page.evaluate(PIN_IN_VIEW)
        grab = page.evaluate(PIN_GRAB_POINT)
        assert grab, "every point of the pin is covered by something else"
        start_lat_lon = page.evaluate(PIN_AT)
        page.mouse.move(grab["x"], grab["y"])
        page.mouse.down()
        page.mouse.move(grab["x"] + 30, grab["y"] - 20, steps=8)
        page.mouse.up()
        end_lat_lon = page.evaluate(PIN_AT)
        assert end_lat_lon != start_lat_lon
        assert end_lat_lon[1] > start_lat_lon[1]  # dragged east
        page.wait_for_selector("#spot[data-state=street], #spot[data-state=far]")
    finally:
        context.close()


def test_a_spot_far_from_any_street_is_explained_before_sending(stack: Stack, browser: Any) -> None:
    street = a_street(stack, 12)
    context = phone(browser, street, locale="nl-NL", lat_shift=0.03)  # about 3 km north of the street
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        page.get_by_role("heading", name="Zwerfafval melden").wait_for()
        wait_for(
            lambda: page.evaluate("Streetcare.maps && Streetcare.maps.length === 1"), timeout=30, message="the map"
        )
        page.get_by_role("button", name="Gebruik mijn locatie").click()
        page.wait_for_selector("#spot[data-state=far]")
        text = page.locator("#spot").inner_text()
        assert "van de dichtstbijzijnde straat" in text and "versleep de speld" in text
    finally:
        context.close()


def test_an_offline_report_with_a_photo_survives_a_lost_answer_and_is_filed_once(stack: Stack, browser: Any) -> None:
    """The photo is uploaded once, its id kept with the queued report; the report's answer is lost;
    the retry sends the same body with the same key and finds the report the first attempt made."""
    street = a_street(stack, 55)
    description = f"browser lost answer {uuid.uuid4().hex[:8]}"
    context = phone(browser, street, service_workers="block")
    photo_uploads: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: photo_uploads.append(r.url) if r.method == "POST" and "/photos" in r.url else None)
        page.goto(f"{stack.gateway_url}/report")
        page.wait_for_selector("input[name=category]")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#spot[data-state=street]")
        page.get_by_label("Litter", exact=True).check()
        page.set_input_files(
            "#photo", files=[{"name": "litter.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
        )
        page.get_by_label("What do you see? (optional)").fill(description)

        def lose_the_answer(route: Any) -> None:
            route.fetch()  # the server files the report…
            route.abort("connectionreset")  # …and the phone never hears back

        page.route("**/api/v1/reports/reports", lose_the_answer)
        page.get_by_role("button", name="Send report").click()
        page.wait_for_selector("#message:has-text('saved on this phone')")
        assert len(reports_with(stack, description)) == 1  # made on the server
        queued = page.evaluate("JSON.parse(localStorage.getItem('streetcare.report.queue'))")
        assert len(queued) == 1 and queued[0]["body"]["photo_id"]  # the photo's id is kept with the key
        assert "Litter (with photo)" in page.locator("#mine").inner_text()  # not the code "litter"
        page.unroute("**/api/v1/reports/reports")
        page.reload()  # the queue survives a reload and is sent
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        wait_for(lambda: queue_length(page) == 0, message="the queue to empty")
        rows = reports_with(stack, description)
        assert len(rows) == 1 and rows[0][1] is not None
        assert len(photo_uploads) == 1
    finally:
        context.close()


def test_a_refused_queued_report_is_kept_and_explained(stack: Stack, browser: Any) -> None:
    street = a_street(stack, 12)
    description = f"browser refused {uuid.uuid4().hex[:8]}"
    context = phone(browser, street, lat_shift=0.03)
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        page.wait_for_selector("input[name=category]")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#spot[data-state=far]")
        context.set_offline(True)
        page.get_by_label("Litter", exact=True).check()
        page.get_by_label("What do you see? (optional)").fill(description)
        page.get_by_role("button", name="Send report").click()
        page.wait_for_selector("#message:has-text('saved on this phone')")
        context.set_offline(False)
        page.wait_for_selector("#mine li.refused")
        item = page.locator("#mine li.refused")
        assert "not accepted" in item.inner_text() and "pin" in item.inner_text()
        assert queue_length(page) == 1  # kept, not deleted silently
        assert reports_with(stack, description) == []
        item.get_by_role("button", name="Remove").click()
        wait_for(lambda: queue_length(page) == 0, message="the refused report to be removed")
    finally:
        context.close()


def test_a_report_made_offline_is_sent_once_when_back_online(stack: Stack, browser: Any) -> None:
    """The page opens offline (service worker), a report queued offline survives the reload, and is
    sent exactly once when the phone is back online, though the service is busy at the first try."""
    street = a_street(stack, 77)
    description = f"browser offline {uuid.uuid4().hex[:8]}"
    context = phone(browser, street)
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        page.wait_for_selector("input[name=category]")
        wait_for(
            lambda: page.evaluate("navigator.serviceWorker.controller !== null"),
            timeout=20,
            message="the service worker",
        )
        wait_for(lambda: page.evaluate("caches.match('/report').then(r => !!r)"), message="the page to be cached")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_selector("#spot[data-state=street]")
        context.set_offline(True)
        page.get_by_label("Overflowing bin").check()
        page.get_by_label("What do you see? (optional)").fill(description)
        page.get_by_role("button", name="Send report").click()
        page.wait_for_selector("#message:has-text('saved on this phone')")
        assert queue_length(page) == 1
        page.reload()  # offline: the service worker serves the page
        page.get_by_role("heading", name="Report litter").wait_for()
        # the list is drawn once the page's start-up work is done, a moment after the heading
        wait_for(lambda: "Overflowing bin" in page.locator("#mine").inner_text(), message="the queued report listed")
        assert queue_length(page) == 1
        assert reports_with(stack, description) == []
        # back online, the service is busy for the first try: the page tries again by itself
        busy: list[str] = []

        def busy_once(route: Any) -> None:
            if busy or route.request.method != "POST":
                route.continue_()
            else:
                busy.append(route.request.url)
                route.fulfill(status=503, headers={"Retry-After": "1"}, json={"detail": "busy"})

        context.route("**/api/v1/reports/reports", busy_once)
        context.set_offline(False)
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        assert busy, "the first try after coming back online met a busy service"
        context.unroute("**/api/v1/reports/reports")
        wait_for(lambda: queue_length(page) == 0, message="the queue to empty")
        # coming online again (a flaky connection) and reloading must not send it a second time
        context.set_offline(True)
        context.set_offline(False)
        page.reload()
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        assert len(reports_with(stack, description)) == 1
    finally:
        context.close()


ENGLISH_DETAILS = ("value is not a valid email", "not within", "move the pin", "is required", "An email address")


def test_refusals_are_said_in_dutch_beside_the_field_they_are_about(stack: Stack, browser: Any) -> None:
    """A mistake the service refuses is said in the page's language next to what to fix, and goes away
    once it is fixed: a bad e-mail address (FastAPI's 422 list), a spot far from any street and a
    question left open (refusals with a code), and a refusal the page has no words for (in general)."""
    street = a_street(stack, 12)
    description = f"browser refusals {uuid.uuid4().hex[:8]}"
    context = phone(browser, street, locale="nl-NL", lat_shift=0.03, bypass_csp=True)  # 3 km from any street
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        page.get_by_role("heading", name="Zwerfafval melden").wait_for()
        page.wait_for_selector("input[name=category]")
        page.get_by_role("button", name="Gebruik mijn locatie").click()
        page.wait_for_selector("#spot[data-state=far]")
        page.get_by_label("Zwerfafval", exact=True).check()
        page.locator("#description").fill(description)
        page.locator("#email").fill("geen-adres")

        page.get_by_role("button", name="Melding versturen").click()
        page.locator("#email-error").wait_for()
        assert error_beside(page, "email") == "Geef een e-mailadres zoals naam@voorbeeld.nl."
        assert page.locator("#email").get_attribute("aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "email"
        body = page.locator("body").inner_text()
        assert not [english for english in ENGLISH_DETAILS if english in body]
        page.locator("#email").fill("bewoner@example.org")
        assert error_beside(page, "email") == ""  # fixed: gone
        assert page.locator("#email").get_attribute("aria-invalid") is None

        page.get_by_role("button", name="Melding versturen").click()
        page.locator("#spot-error").wait_for()
        assert error_beside(page, "spot") == (
            "Deze plek ligt meer dan 150 m van elke straat. Versleep de speld naar de straat waar het afval ligt."
        )
        body = page.locator("body").inner_text()
        assert not [english for english in ENGLISH_DETAILS if english in body]
        page.locator("#street-q").fill(street["name"])  # the spot moves onto a street: the message goes
        page.locator("#street-results button").first.click()
        page.wait_for_selector("#spot[data-state=street]")
        assert error_beside(page, "spot") == ""

        page.locator("input[name=category][value=hazard]").check()
        page.get_by_role("button", name="Melding versturen").click()
        page.locator("#q-hazard_kind-error").wait_for()
        assert error_beside(page, "q-hazard_kind") == "Beantwoord deze vraag."
        assert "hazard_kind" not in page.locator("body").inner_text()
        page.locator("#q-hazard_kind").select_option("needles")
        assert error_beside(page, "q-hazard_kind") == ""

        # a refusal the catalogue has no words for: said in general, in Dutch, not in the service's English
        def refused(route: Any) -> None:
            route.fulfill(status=409, json={"detail": "an English reason the page must not show"})

        page.route("**/api/v1/reports/reports", refused)
        page.get_by_role("button", name="Melding versturen").click()
        page.wait_for_selector("#message:has-text('opnieuw')")
        assert "English reason" not in page.locator("body").inner_text()
        assert page.locator(".field-error").count() == 0
        assert serious_violations(page) == []
        page.unroute("**/api/v1/reports/reports")

        page.get_by_role("button", name="Melding versturen").click()
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        assert len(reports_with(stack, description)) == 1
    finally:
        context.close()


def test_a_refused_queued_report_is_explained_in_the_language_of_the_page(stack: Stack, browser: Any) -> None:
    """A report queued offline and refused when sent later is explained from the refusal's code, in
    the page's language — again in the other one after the language is switched."""
    street = a_street(stack, 12)
    context = phone(browser, street, locale="nl-NL", lat_shift=0.03)
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        page.wait_for_selector("input[name=category]")
        page.get_by_role("button", name="Gebruik mijn locatie").click()
        page.wait_for_selector("#spot[data-state=far]")
        context.set_offline(True)
        page.get_by_label("Zwerfafval", exact=True).check()
        page.get_by_role("button", name="Melding versturen").click()
        page.wait_for_selector("#message:has-text('bewaard')")
        context.set_offline(False)
        page.wait_for_selector("#mine li.refused")
        item = page.locator("#mine li.refused")
        assert "niet aangenomen: Deze plek ligt meer dan 150 m van elke straat." in item.inner_text()
        assert not [english for english in ENGLISH_DETAILS if english in item.inner_text()]
        page.get_by_role("button", name="English").click()
        page.get_by_role("heading", name="Report litter").wait_for()
        assert "not accepted: This spot is more than 150 m from any street." in item.inner_text()
        item.get_by_role("button", name="Remove").click()
        wait_for(lambda: queue_length(page) == 0, message="the refused report to be removed")
    finally:
        context.close()


def test_every_refusal_code_of_filing_a_report_is_in_both_catalogues() -> None:
    """The codes the report page can meet (filing, a photo, "me too", reopening), each with words in
    report.problem or the pages' shared problem group, in Dutch and English."""
    root = Path(__file__).resolve().parents[2]
    sources = ["services/reports/reports/service.py", "services/reports/categories/rules.py"]
    sources += ["services/reports/photos/service.py", "kernel/photos.py"]
    codes = {code for path in sources for code in re.findall(r'code="([a-z_]+)"', (root / path).read_text())}
    codes |= {"unknown_category", "retired_category"}  # services/reports/categories/service.py: for_filing
    assert {"not_near_street", "answer_required", "no_such_question", "reopen_too_late", "photo_unsupported"} <= codes
    for lang in ("en", "nl"):
        catalogue = json.loads((root / f"gateway/web/static/i18n/{lang}.json").read_text())
        known = set(catalogue["report"]["problem"]) | set(catalogue["problem"])
        assert codes <= known, (lang, codes - known)


def test_me_too_reopen_and_photo_refusals_are_said_in_dutch_beside_their_control(stack: Stack, browser: Any) -> None:
    """A "me too" on a report cleaned meanwhile, a reopen of a report reopened meanwhile and a file that
    is no photo: each refusal is said beside the control it is about, in the page's language, not
    silently dropped; a refused photo sends no report, and choosing a real one takes the message away.
    The report's history, written by the service, reads in Dutch too."""
    street = a_street(stack, 57)
    at = {"lat": street["centroid"]["lat"], "lon": street["centroid"]["lon"]}
    filed = httpx.post(f"{stack.gateway_url}/api/v1/reports/reports", json={"category": "litter", **at})
    assert filed.status_code == 201, filed.text
    report = filed.json()
    staff = {"Authorization": f"Bearer {dispatcher_token(stack)}"}
    description = f"browser no photo {uuid.uuid4().hex[:8]}"
    context = phone(browser, street, locale="nl-NL", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        page.wait_for_selector("input[name=category]")
        page.get_by_role("button", name="Gebruik mijn locatie").click()
        me_too = page.locator(f'#nearby li[data-report="{report["id"]}"] button')
        me_too.wait_for()
        resolved = httpx.post(
            f"{stack.gateway_url}/api/v1/reports/reports/{report['id']}/status",
            json={"status": "resolved", "note": ""},
            headers=staff,
        )
        assert resolved.status_code == 200, resolved.text
        me_too.click()
        wait_for(lambda: me_too.get_attribute("id") is not None, message="the refusal beside the button")
        button = str(me_too.get_attribute("id"))
        assert error_beside(page, button) == (
            "Deze melding is al afgesloten. Ligt er weer afval? Maak dan een nieuwe melding."
        )
        assert me_too.is_enabled() and me_too.get_attribute("aria-invalid") is None
        assert "no longer open" not in page.locator("body").inner_text()
        assert serious_violations(page) == []

        page.goto(f"{stack.gateway_url}/report#track={report['tracking_token']}")
        page.get_by_role("button", name="Het is niet schoon: heropenen").wait_for()
        # the service's own history notes in the page's language (the English stays in the API's `note`)
        history = page.locator("#track-history").inner_text()
        assert "melding ontvangen" in history and "de gemeente heeft het opgeruimd" in history, history
        assert "report received" not in history and "the city cleaned it" not in history
        reopened = httpx.post(f"{stack.gateway_url}/api/v1/reports/track/{report['tracking_token']}/reopen", json={})
        assert reopened.status_code == 200, reopened.text
        page.get_by_role("button", name="Het is niet schoon: heropenen").click()
        page.locator("#reopen-error").wait_for()
        assert error_beside(page, "reopen").startswith("Deze melding staat niet op opgeruimd")
        assert "only a resolved report" not in page.locator("body").inner_text()
        page.get_by_role("button", name="English").click()
        assert error_beside(page, "reopen").startswith("This report is not marked cleaned")

        page.get_by_role("button", name="Nederlands").click()
        page.goto(f"{stack.gateway_url}/report")
        page.wait_for_selector("input[name=category]")
        page.get_by_role("button", name="Gebruik mijn locatie").click()
        page.wait_for_selector("#spot[data-state=street]")
        page.get_by_label("Zwerfafval", exact=True).check()
        page.locator("#description").fill(description)
        # the photo control speaks the page's language (the browser's own file button would not)
        assert page.locator("label.file-button").inner_text() == "Kies of maak een foto"
        assert page.locator("#photo-name").inner_text() == "Geen foto gekozen"
        page.set_input_files("#photo", files=[{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": b"no photo"}])
        assert page.locator("#photo-name").inner_text() == "foto.jpg"
        page.get_by_role("button", name="Melding versturen").click()
        page.locator("#photo-error").wait_for()
        assert (
            error_beside(page, "photo")
            == "Dit bestand is geen foto die gelezen kan worden. Kies een JPEG-, PNG- of WebP-foto."
        )
        assert page.locator("#photo").get_attribute("aria-invalid") == "true"
        assert reports_with(stack, description) == [] and queue_length(page) == 0
        assert serious_violations(page) == []
        page.set_input_files("#photo", files=[{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
        assert error_beside(page, "photo") == ""
        page.get_by_role("button", name="Melding versturen").click()
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        rows = reports_with(stack, description)
        assert len(rows) == 1 and rows[0][1] is not None
    finally:
        context.close()
