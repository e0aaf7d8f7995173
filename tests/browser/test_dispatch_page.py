"""The dispatcher's /dispatch page in headless Chromium: login, map, plans, a live update, Dutch."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import replan_through_job, service_settings, wait_for
from streetcare.testing import Stack
from tests.browser.axe import serious_violations
from tests.browser.helpers import API, dispatching, error_beside, log_in

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


SMALL_TEXT = """Array.from(document.querySelectorAll('body *')).filter(n => {
    if (!n.childNodes.length || n.closest('.leaflet-control-attribution')) return false;
    const own = Array.from(n.childNodes).some(c => c.nodeType === 3 && c.textContent.trim());
    const r = n.getBoundingClientRect();
    return own && r.width > 0 && parseFloat(getComputedStyle(n).fontSize) < 14;
}).map(n => n.tagName + '.' + n.className + ': ' + n.textContent.trim().slice(0, 40))"""


def an_admin(stack: Stack) -> tuple[str, str]:
    """An admin: the one role that both completes visits and records the CROW level found."""
    from kernel.auth import Role
    from services.scheduling import admin as scheduling_admin

    settings = service_settings("scheduling", stack.redis_server.url, stack.database_urls["scheduling"])
    scheduling_admin.ensure_staff("admin@test.example", "Test admin", Role.ADMIN, "admin-password-1", settings)
    return "admin@test.example", "admin-password-1"


STREET_ON_THE_MAP = """(() => { const m = Streetcare.maps[0], size = m.getSize();
    const box = m.getContainer().getBoundingClientRect();
    let best = null;
    m.streetLayer.eachLayer(l => { const ll = l.getLatLngs(); const mid = ll[Math.floor(ll.length / 2)];
      const p = m.latLngToContainerPoint(mid);
      if (p.x > 60 && p.y > 60 && p.x < size.x - 60 && p.y < size.y - 60 && !best) best = p; });
    return best && {x: box.left + best.x, y: box.top + best.y}; })()"""


def a_street_on_the_map_at_rest(page: Any) -> dict[str, float] | None:
    """A street's midpoint on screen, once it stays put for a moment (no zoom or pan under way)."""
    first = page.evaluate(STREET_ON_THE_MAP)
    time.sleep(0.4)
    again = page.evaluate(STREET_ON_THE_MAP)
    return first if first and first == again else None


def test_dispatcher_logs_in_sees_plans_and_map_and_receives_a_live_update(stack: Stack, browser: Any) -> None:
    headers, day = dispatching(stack)
    replan_through_job(stack.gateway_url, headers, day)

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(stack.gateway_url) else None)
    try:
        log_in(page, stack, "dispatcher@test.example", "dispatcher-password")
        page.wait_for_selector(".crew .visit", timeout=30_000)
        wait_for(
            lambda: page.evaluate("Streetcare.maps && Streetcare.maps.length === 1"), timeout=30, message="the map"
        )
        wait_for(lambda: page.locator("#queue-uncovered li").count() >= 1, message="the work queue")
        drawn = page.evaluate(
            """(() => { const m = Streetcare.maps[0]; let streets = 0, routes = 0, points = 0;
                m.streetLayer.eachLayer(() => streets++);
                m.eachLayer(l => {
                  if (l.options.className === 'route') { routes++; points += l.getLatLngs().length; } });
                return {streets, routes, points}; })()"""
        )
        assert drawn["streets"] == 336
        assert drawn["routes"] >= 1
        # drawn along the streets (the plan's path), not stop to stop: more points than depots and stops
        assert drawn["points"] > page.locator(".crew .visit").count() + 2 * drawn["routes"]
        assert page.locator("#crew-legend li").count() >= 2  # a title and a colour per crew
        first_reason = page.locator(".crew .visit .reason").first.inner_text()
        assert "expected level" in first_reason
        version = int(page.locator("body").get_attribute("data-version") or "0")
        assert version >= 1
        assert serious_violations(page) == []
        assert page.evaluate(SMALL_TEXT) == []  # no text below 14 px

        # keyboard: a visit's street name is a button that opens its details and shows it on the map
        street_id = page.locator(".crew .visit").first.get_attribute("data-street")
        # focused and pressed in one step, on that street's button as the list shows it then (a live
        # update may draw the list anew between a separate focus and key press)
        page.locator(f'.crew .visit[data-street="{street_id}"] button.name').first.press("Enter")
        page.wait_for_selector(f'#details:not([hidden])[data-street="{street_id}"]')
        assert "On the plan" in page.locator("#details").inner_text()
        # a click on a street on the map (drawn on a canvas) opens that street's details
        page.locator("#details-close").click()
        page.locator("#map").scroll_into_view_if_needed()
        # the keyboard opened the street with an animated zoom to it: click only on a map at rest
        point = wait_for(lambda: a_street_on_the_map_at_rest(page), message="the map at rest after the zoom")
        page.mouse.click(point["x"], point["y"])
        page.wait_for_selector("#details:not([hidden])")
        wait_for(lambda: live_on(page), timeout=20, message="live stream")

        # a re-plan elsewhere (another dispatcher) reaches this page through the live stream
        replanned = replan_through_job(stack.gateway_url, headers, day)
        shown = "v => Number(document.body.dataset.liveVersion) >= v && Number(document.body.dataset.version) >= v"
        wait_for(lambda: page.evaluate(shown, replanned["version"]), timeout=30, message="the new version on the page")
        assert "version" in page.locator("#live-status").inner_text()

        # mark the first visit done: a dispatcher is not asked for a level (only inspectors record one)
        first = page.locator(".crew .visit").first
        visit_id = first.get_attribute("data-visit")
        first.locator("button.mark-done").click()
        assert page.locator("#done-level-row").is_hidden()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.locator("#done-confirm").click()
        page.wait_for_selector(f'.visit[data-visit="{visit_id}"] .badge.done', timeout=30_000)
        assert not [u for u in requests if "/street-map" in u or "/plans/" in u]  # updated in place, no reload

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dispatch.png"), full_page=False)

        page.click("button.lang[data-lang=nl]")
        assert page.locator("button.day[data-day=today]").inner_text() == "Vandaag"
        assert "Ploegplanning" in page.locator("#plan-title").inner_text()
        assert page.locator("button.mark-done").first.inner_text() == "Gereed melden"
        assert serious_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "dispatch-nl.png"), full_page=False)
        # still logged in after a reload and in a second tab
        page.reload()
        page.wait_for_selector(".crew .visit", timeout=30_000)
        other = context.new_page()
        other.goto(f"{stack.gateway_url}/dispatch")
        other.wait_for_selector(".crew .visit", timeout=30_000)
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
        assert not [e for e in errors if "Failed to load resource" not in e], errors
        assert failed == [], failed
        assert external == [], "the page must not fetch anything outside the gateway (no tiles, no CDN)"
    finally:
        context.close()


def live_on(page: Any) -> bool:
    """The live stream is connected: "on", or "updated" when a plan arrived through it already
    (a re-plan the stack made by itself may come before the test looks)."""
    return bool(page.locator("#live-status[data-state=on], #live-status[data-state=updated]").count() == 1)


def test_mark_done_with_the_level_found_updates_the_map_in_place(stack: Stack, browser: Any) -> None:
    headers, day = dispatching(stack, "tomorrow")
    email, password = an_admin(stack)
    replan_through_job(stack.gateway_url, headers, day)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nl-NL")
    page = context.new_page()
    try:
        log_in(page, stack, email, password)
        page.get_by_role("button", name="Morgen").click()
        page.wait_for_selector(".crew .visit button.mark-done", timeout=30_000)
        first = page.locator(".crew .visit:has(button.mark-done)").first
        visit_id, street_id = first.get_attribute("data-visit"), first.get_attribute("data-street")
        first.locator("button.mark-done").click()
        assert page.locator("#done-title").inner_text().endswith("gereed melden")
        page.select_option("#done-level", "D")
        page.locator("#done-confirm").click()
        page.wait_for_selector(f'.visit[data-visit="{visit_id}"] .badge.done', timeout=30_000)
        assert "beeldniveau D vastgelegd" in page.locator("#plan-message").inner_text()
        colour = page.evaluate(
            """(id) => { let c = null;
                Streetcare.maps[0].streetLayer.eachLayer(l => { if (l._streetId === id) c = l.options.color; });
                return c; }""",
            int(street_id or 0),
        )
        assert colour == "#c92a2a"  # the street is redrawn at level D without reloading the map
        inspections = httpx.get(
            f"{stack.gateway_url}/api/v1/reports/inspections", params={"street_id": street_id}, headers=headers
        ).json()
        assert "D" in [i["level"] for i in inspections]
    finally:
        context.close()


def a_plan(stack: Stack, headers: dict[str, str], day: str) -> dict[str, Any]:
    replan_through_job(stack.gateway_url, headers, day)
    plan: dict[str, Any] = httpx.get(f"{stack.gateway_url}{API}/plans/{day}", headers=headers).json()
    return plan


def busiest_foot_crews(stack: Stack, headers: dict[str, str], plan: dict[str, Any]) -> list[dict[str, Any]]:
    count = {c["id"]: len(c["visits"]) for c in plan["crews"]}
    crews = httpx.get(f"{stack.gateway_url}{API}/crews", headers=headers).json()
    return sorted((c for c in crews if c["mode"] == "foot"), key=lambda c: -count.get(c["id"], 0))


def take_back_every_directive(stack: Stack, headers: dict[str, str], day: str) -> None:
    for directive in httpx.get(f"{stack.gateway_url}{API}/plans/{day}/directives", headers=headers).json():
        httpx.delete(f"{stack.gateway_url}{API}/directives/{directive['directive_id']}", headers=headers)


def test_dispatcher_moves_and_pins_visits_the_replan_keeps_them_and_a_done_is_undone(
    stack: Stack, browser: Any
) -> None:
    headers, day = dispatching(stack)
    plan = a_plan(stack, headers, day)
    crew_a, crew_b = busiest_foot_crews(stack, headers, plan)[:2]
    free = [
        v
        for c in plan["crews"]
        if c["id"] == crew_a["id"]
        for v in c["visits"]
        if v["status"] == "planned" and not v["directive"]
    ]
    assert len(free) >= 3, "the busier foot crew has planned visits"
    moved, pinned, done = free[-1], free[0], free[1]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, stack, "dispatcher@test.example", "dispatcher-password")
        page.wait_for_selector(f'.visit[data-visit="{moved["visit_id"]}"] button.move', timeout=30_000)
        wait_for(lambda: page.locator(".crew-row").count() >= 4, message="the crews listed")

        # move to the other foot crew, same day: through the dialog
        page.locator(f'.visit[data-visit="{moved["visit_id"]}"] button.move').click()
        assert page.locator("#move-title").inner_text() == f"Move {moved['street_name']}"
        page.select_option("#move-crew", str(crew_b["id"]))
        assert page.locator("#move-day").input_value() == day
        page.locator("#move-confirm").click()
        page.wait_for_selector(f'.visit[data-visit="{moved["visit_id"]}"] .badge.pinned')
        assert page.locator("#move-dialog").is_hidden()
        # pin another by keyboard alone
        page.locator(f'.visit[data-visit="{pinned["visit_id"]}"] button.pin').focus()
        page.keyboard.press("Enter")
        page.wait_for_selector(f'.visit[data-visit="{pinned["visit_id"]}"] .badge.pinned')
        assert page.locator("#directives-list li").count() == 2
        assert serious_violations(page) == []

        # the re-plan the directives asked for arrives live: the moved visit is on the other crew
        on_b = f'.crew[data-crew="{crew_b["id"]}"] .visit[data-visit="{moved["visit_id"]}"]'
        page.wait_for_selector(on_b, timeout=90_000)
        kept = f'.crew[data-crew="{crew_a["id"]}"] .visit[data-visit="{pinned["visit_id"]}"] .badge.pinned'
        assert page.locator(kept).count() == 1, "the pinned visit stays on its crew"
        assert page.locator(f'.crew[data-crew="{crew_a["id"]}"] .visit[data-visit="{moved["visit_id"]}"]').count() == 0

        # done with the bags collected, then undone: back to planned, in place
        row = f'.visit[data-visit="{done["visit_id"]}"]'
        page.locator(f"{row} button.mark-done").click()
        page.fill("#done-bags", "3")
        page.locator("#done-confirm").click()
        page.wait_for_selector(f"{row} .badge.done", timeout=30_000)
        assert "3 bags collected" in page.locator(f"{row} .reason").inner_text()
        page.locator(f"{row} button.undo-done").click()
        page.wait_for_selector(f"{row} button.mark-done", timeout=30_000)
        assert page.locator(f"{row} .badge.done").count() == 0
        assert "no longer done" in page.locator("#plan-message").inner_text()
        again = httpx.get(f"{stack.gateway_url}{API}/plans/{day}", headers=headers).json()
        status = next(v["status"] for c in again["crews"] for v in c["visits"] if v["visit_id"] == done["visit_id"])
        assert status == "planned"

        # unpin in place; drop, then take the drop back from the day's list of changes
        page.locator(f'.visit[data-visit="{pinned["visit_id"]}"] button.unpin').click()
        page.wait_for_selector(f'.visit[data-visit="{pinned["visit_id"]}"] button.pin')
        assert page.locator(f'.visit[data-visit="{pinned["visit_id"]}"] .badge.pinned').count() == 0
        page.locator(f"{row} button.drop").click()
        page.wait_for_selector(f"{row} .badge.dropped")
        listed = page.locator("#directives-list li", has_text=done["street_name"])
        assert "left out" in listed.inner_text()
        listed.locator("button.take-back").click()
        listed.wait_for(state="detached")
        assert httpx.get(f"{stack.gateway_url}{API}/plans/{day}/directives", headers=headers).json()[0]["kind"] == "pin"

        # Dutch: the controls and a refusal in the page's language
        page.click("button.lang[data-lang=nl]")
        assert page.locator(f'.visit[data-visit="{pinned["visit_id"]}"] button.pin').inner_text() == "Vastzetten"
        page.locator(f"{row} button.move").click()
        truck = next(
            c
            for c in httpx.get(f"{stack.gateway_url}{API}/crews", headers=headers).json()
            if c["mode"] == "bulky_truck"
        )
        page.select_option("#move-crew", str(truck["id"]))
        page.locator("#move-confirm").click()
        page.locator("#move-crew-error").wait_for()
        assert error_beside(page, "move-crew") == f"{truck['name']} kan dit soort bezoek niet doen."
        assert serious_violations(page) == []
        page.locator("#move-cancel").click()
        assert errors == [], errors
    finally:
        take_back_every_directive(stack, headers, day)
        context.close()


def test_crews_and_absences_are_managed_on_the_page_and_an_absent_crew_leaves_the_day(
    stack: Stack, browser: Any
) -> None:
    headers, day = dispatching(stack)
    plan = a_plan(stack, headers, day)
    crew_a = busiest_foot_crews(stack, headers, plan)[0]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    name = f"Avondploeg {int(time.time() * 1000) % 100000}"
    try:
        log_in(page, stack, "dispatcher@test.example", "dispatcher-password")
        page.wait_for_selector(f'.crew[data-crew="{crew_a["id"]}"] .visit', timeout=30_000)
        row = f'.crew-row[data-crew="{crew_a["id"]}"]'
        page.wait_for_selector(f"{row} .absence-add")
        assert page.locator(f"{row} input[type=date]").input_value() == day
        page.locator(f"{row} .absence-add").click()
        page.wait_for_selector(f'{row} button.absence[data-day="{day}"]')
        assert "is afwezig op" in page.locator("#crews-message").inner_text()
        # the re-plan the absence asked for takes the crew off the day, live
        page.wait_for_selector(f'.crew[data-crew="{crew_a["id"]}"]', state="detached", timeout=90_000)

        # a new crew (no working days, so today's plan is not changed by it), then edited
        page.locator("#crew-add").click()
        page.fill("#crew-name", name)
        page.fill("#crew-size", "2")
        for box in page.locator("#crew-days input[type=checkbox]").all():
            box.uncheck()
        page.locator("#crew-save").click()
        added = page.locator(".crew-row", has_text=name)
        added.wait_for()
        added.locator("button.crew-edit").click()
        assert page.locator("#crew-name").input_value() == name
        page.fill("#crew-size", "3")
        page.locator("#crew-save").click()
        wait_for(lambda: "3 personen" in added.inner_text(), message="the edited crew")
        assert serious_violations(page) == []

        # the absence removed from the page
        page.locator(f'{row} button.absence[data-day="{day}"]').click()
        page.wait_for_selector(f'{row} button.absence[data-day="{day}"]', state="detached")
        assert "werkt weer op" in page.locator("#crews-message").inner_text()
    finally:
        httpx.delete(f"{stack.gateway_url}{API}/crews/{crew_a['id']}/absences/{day}", headers=headers)
        for crew in httpx.get(f"{stack.gateway_url}{API}/crews?include_inactive=true", headers=headers).json():
            if crew["name"] == name:
                httpx.delete(f"{stack.gateway_url}{API}/crews/{crew['id']}", headers=headers)
        context.close()


def test_refusals_are_said_in_dutch_beside_the_field_they_are_about(stack: Stack, browser: Any) -> None:
    """The dispatcher's forms say a refusal beside the field it is about, in the page's language, the
    way every page does (Streetcare.explain): a field left empty, a crew name that is taken, a visit moved
    to a crew that cannot do it, a bag count out of range; a wrong login in words, never the service's English."""
    headers, day = dispatching(stack)
    plan = a_plan(stack, headers, day)
    visit_crew, visit = next(
        (c["id"], v) for c in plan["crews"] for v in c["visits"] if v["status"] == "planned" and not v["directive"]
    )
    crews = httpx.get(f"{stack.gateway_url}{API}/crews", headers=headers).json()
    taken = crews[0]["name"]
    truck = next(c for c in crews if c["mode"] == "bulky_truck")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    try:
        log_in(page, stack, "dispatcher@test.example", "not-the-password")
        page.locator("#login-error:not(:empty)").wait_for()
        assert page.locator("#login-error").inner_text() == "Onbekend e-mailadres of verkeerd wachtwoord."
        log_in(page, stack, "dispatcher@test.example", "dispatcher-password")
        row = f'.visit[data-visit="{visit["visit_id"]}"]'
        page.wait_for_selector(f"{row} button.move", timeout=30_000)
        wait_for(lambda: page.locator(".crew-row").count() >= 4, message="the crews listed")

        page.locator("#crew-add").click()
        page.locator("#crew-save").click()
        assert error_beside(page, "crew-name") == "Vul dit in."
        assert page.evaluate("document.activeElement.id") == "crew-name"
        page.fill("#crew-name", taken)
        assert error_beside(page, "crew-name") == ""  # fixed: gone
        page.locator("#crew-save").click()
        page.locator("#crew-name-error").wait_for()
        assert error_beside(page, "crew-name") == f"Er is al een ploeg die {taken} heet. Kies een andere naam."
        assert page.locator("#crew-error").inner_text() == ""
        assert serious_violations(page) == []
        page.locator("#crew-cancel").click()

        page.locator(f"{row} button.move").click()
        page.fill("#move-day", "")
        page.locator("#move-confirm").click()
        assert error_beside(page, "move-day") == "Vul dit in."
        page.fill("#move-day", day)
        page.select_option("#move-crew", str(truck["id"]))
        page.locator("#move-confirm").click()
        page.locator("#move-crew-error").wait_for()
        assert error_beside(page, "move-crew") == f"{truck['name']} kan dit soort bezoek niet doen."
        assert page.locator("#move-error").inner_text() == "" and page.locator("#plan-message").inner_text() == ""
        page.select_option("#move-crew", str(visit_crew))
        assert error_beside(page, "move-crew") == ""  # changed: gone
        page.locator("#move-cancel").click()

        page.locator(f"{row} button.mark-done").click()
        page.fill("#done-bags", "500")
        page.locator("#done-confirm").click()
        assert error_beside(page, "done-bags") == "Geef een heel getal van 0 tot 200."
        page.locator("#done-cancel").click()
        body = page.locator("body").inner_text()
        assert not [english for english in ("already exists", "is in the past", "wrong password") if english in body]
    finally:
        take_back_every_directive(stack, headers, day)
        context.close()


def test_a_day_whose_first_plan_is_being_made_says_planning_and_then_shows_it(stack: Stack, browser: Any) -> None:
    """Right after `make run` (or a new day) the plan API answers 202 "planning": the page says
    so, instead of an error or an empty day, and shows the plan as soon as it exists."""
    headers, day = dispatching(stack)
    wait_for(  # the real plan exists (asking for it makes the planner start one if none does)
        lambda: httpx.get(f"{stack.gateway_url}{API}/plans/{day}", headers=headers, timeout=30).status_code == 200,
        timeout=300,
        interval=2,
        message="today's plan",
    )
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    held: list[str] = []

    def still_planning(route: Any) -> None:
        if len(held) < 2:  # the first two looks: the planner has not finished the day's first version
            held.append(route.request.url)
            route.fulfill(status=202, headers={"Retry-After": "3"}, json={"status": "planning", "date": day})
        else:
            route.continue_()

    context.route(f"**{API}/plans/{day}", still_planning)
    page = context.new_page()
    try:
        log_in(page, stack, "dispatcher@test.example", "dispatcher-password")
        page.wait_for_selector("#plan-summary:has-text('planning…')")
        assert page.locator(".crew .visit").count() == 0
        page.wait_for_selector(".crew .visit", timeout=60_000)  # asked again by itself, then drawn
        assert len(held) == 2
        assert "planning…" not in page.locator("#plan-summary").inner_text()
    finally:
        context.close()


# every text #plan-message shows, in order (the page's progress messages come and go within seconds)
RECORD_MESSAGES = """(() => { window.__messages = [];
    new MutationObserver(() => window.__messages.push(document.getElementById('plan-message').textContent))
      .observe(document.getElementById('plan-message'), {childList: true, characterData: true, subtree: true});
})()"""


def test_re_plan_now_on_the_page_follows_the_job_and_says_how_long_it_took(stack: Stack, browser: Any) -> None:
    headers, day = dispatching(stack)
    before = replan_through_job(stack.gateway_url, headers, day)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    polled: list[str] = []
    page.on("request", lambda r: polled.append(r.url) if "/replan-jobs/" in r.url else None)
    try:
        log_in(page, stack, "dispatcher@test.example", "dispatcher-password")
        page.wait_for_selector(".crew .visit", timeout=30_000)
        page.evaluate(RECORD_MESSAGES)
        page.get_by_role("button", name="Re-plan now").click()
        wait_for(lambda: page.locator("#replan").is_disabled() or polled, message="the re-plan asked for")
        message = page.locator("#plan-message")
        wait_for(lambda: "Re-planned in" in message.inner_text(), timeout=180, message="the re-plan done on the page")
        final = message.inner_text()
        assert re.fullmatch(r"Re-planned in \d+(\.\d)? s \(version (\d+)\)", final), final
        version = int(re.findall(r"version (\d+)", final)[0])
        assert version > before["version"]
        shown: list[str] = page.evaluate("window.__messages")
        assert shown[0] == "Queued for the planner…", shown  # the job, as the 202 gave it
        progress = [m for m in shown if m.startswith("Planning…")]
        assert all(re.fullmatch(r"Planning… \d+ s", m) for m in progress), progress
        assert polled and all(f"{API}/replan-jobs/" in url for url in polled), "the page follows the job's URL"
        assert page.locator("#replan").is_enabled()
        assert page.locator("body").get_attribute("data-replan") is None
        wait_for(lambda: int(page.locator("body").get_attribute("data-version") or "0") >= version, message="the plan")
        job = httpx.get(polled[-1], headers=headers).json()
        assert job["status"] == "done" and job["version"] == version
        took = float(re.findall(r"in ([\d.]+) s", final)[0])
        assert abs(took - job["seconds"]) <= 0.051, (took, job)  # the planner's time, not the page's clock
    finally:
        context.close()


def test_a_new_plan_version_keeps_the_keyboard_on_the_visit_it_was_on(stack: Stack, browser: Any) -> None:
    """A live update re-draws the plan; a keyboard user's place must not be lost with the old list."""
    headers, day = dispatching(stack)
    replan_through_job(stack.gateway_url, headers, day)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        log_in(page, stack, "dispatcher@test.example", "dispatcher-password")
        page.wait_for_selector(".crew .visit", timeout=30_000)
        version = int(page.locator("body").get_attribute("data-version") or "0")
        street_id = page.locator(".crew .visit").first.get_attribute("data-street")
        page.locator(".crew .visit").first.locator("button.name").focus()
        replan_through_job(stack.gateway_url, headers, day)  # a new version: the page draws it again
        wait_for(
            lambda: int(page.locator("body").get_attribute("data-version") or "0") > version,
            timeout=60,
            message="the new version on the page",
        )
        focused = page.evaluate(
            """(() => { const a = document.activeElement; const item = a && a.closest('.visit');
                if (!item) return null;
                return {street: item.getAttribute('data-street'), name: a.classList.contains('name')}; })()"""
        )
        assert focused == {"street": street_id, "name": True}
    finally:
        context.close()
