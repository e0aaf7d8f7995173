"""The /volunteer page in headless Chromium on a 360 × 740 phone screen, against the real stack."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from conftest import wait_for
from kernel.mail import caught_mail
from streetcare.testing import Stack
from tests.browser.axe import serious_violations, small_tap_targets
from tests.browser.helpers import error_beside
from tests.browser.volunteer_signup import mailed_link_on_this_stack, sign_up_and_log_in

if TYPE_CHECKING:
    from playwright.sync_api import Response

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]

SCREENSHOT = Path("/tmp/streetcare-volunteer-page.png")
FILL_COLOURS = """(() => {
    const out = [];
    Streetcare.maps[0].eachLayer(l => { if (l.options.fillColor) out.push(l.options.fillColor); });
    return out;
})()"""


def a_quiet_street(stack: Stack) -> dict[str, Any]:
    """A demo-city street nobody adopted or picked, with a name that finds it."""
    streets = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 60, "offset": 240}).json()
    for street in streets["items"]:
        state = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets/{street['id']}").json()
        if not state["adopted"] and state["last_picked_at"] is None:
            quiet: dict[str, Any] = street
            return quiet
    raise AssertionError("no quiet street in the demo city")


def phone_at(browser: Any, street: dict[str, Any], locale: str, **extra: Any) -> Any:
    """A 360 × 740 phone standing on `street` (its location shared with the page)."""
    return browser.new_context(
        viewport={"width": 360, "height": 740},
        locale=locale,
        geolocation={"latitude": street["centroid"]["lat"], "longitude": street["centroid"]["lon"]},
        permissions=["geolocation"],
        **extra,
    )


def test_sign_up_adopt_log_a_pick_and_scheduling_sees_it(stack: Stack, browser: Any, tmp_path: Path) -> None:
    street = a_quiet_street(stack)
    context = phone_at(browser, street, "en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    def note_failed(response: Response) -> None:
        if response.status >= 400 and "favicon" not in response.url:
            problems.append(f"{response.status} {response.url}")

    page.on("response", note_failed)
    try:
        page.goto(f"{stack.gateway_url}/volunteer")
        assert page.locator("script:not([src])").count() == 0  # CSP-ready: no inline script

        # sign up, follow the link in the mail, log in (through the gateway)
        email = f"page{time.monotonic_ns()}@test.example"
        sign_up_and_log_in(page, stack, "Pia", email)
        page.get_by_text("Hello").wait_for()
        assert page.locator("#me-name").inner_text() == "Pia"
        assert page.evaluate("localStorage.getItem('streetcare.volunteer.token')")

        # adopt the street, found by its name
        page.get_by_role("button", name="Adopt", exact=True).click()
        page.get_by_label("Street name").fill(street["name"])
        page.get_by_role("button", name="Search").click()
        result = page.locator(f"#results li[data-street-id='{street['id']}']")
        result.get_by_role("button").click()
        card = page.locator(f"#adoptions li[data-street-id='{street['id']}']")
        card.wait_for()
        assert "active" in card.inner_text()

        # log a pick from the street in two taps
        card.get_by_role("button", name="Log a pick").click()
        card.get_by_role("button", name="Save pick").click()
        page.get_by_text("Pick saved").wait_for()
        wait_for(lambda: "not yet" not in card.inner_text(), timeout=10, message="the card to show the pick")

        def scheduled() -> dict[str, Any] | None:
            state = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets/{street['id']}").json()
            return state if state["adopted"] and state["last_picked_at"] else None

        state = wait_for(scheduled, timeout=20, message="scheduling to see the adoption and the pick")
        assert state["adopters"] >= 1

        # bags ready here (the phone's location), and my impact
        page.get_by_role("button", name="Bags").click()
        page.get_by_label("Number of full bags").fill("2")
        page.get_by_role("button", name="Ask for pick-up").click()
        page.locator("#bag-requests li").first.wait_for()
        assert "waiting for a crew" in page.locator("#bag-requests").inner_text()
        page.get_by_role("button", name="Impact").click()
        page.locator("#impact dd").first.wait_for()
        assert page.locator("#impact dd").first.inner_text() == "1"
        page.locator("#board li").first.wait_for()
        assert "Pia" in page.locator("#board").inner_text() and "@" not in page.locator("#board").inner_text()

        # Dutch, and a page that fits the phone
        page.get_by_role("button", name="Mijn straten").count()  # not yet Dutch
        page.locator("#lang").click()
        page.get_by_role("button", name="Mijn straten").wait_for()
        page.get_by_role("button", name="Mijn straten").click()
        card.get_by_role("button", name="Prikronde loggen").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        page.screenshot(path=str(tmp_path / "volunteer.png"), full_page=True)
        assert problems == []
    finally:
        context.close()


def test_the_page_is_keyboard_usable_and_labelled(stack: Stack, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(f"{stack.gateway_url}/volunteer")
        from playwright.sync_api import expect  # imported here like the browser fixture's (skips without it)

        # the page translates itself once its catalogue has loaded: wait for that, then check
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.get_by_role("heading", name="Houd je straat schoon")).to_be_visible()
        for field in page.locator("input:visible, select:visible").all():
            field_id = field.get_attribute("id")
            assert field_id and page.locator(f"label[for='{field_id}']").count() == 1, field_id
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "login-email"
    finally:
        context.close()


def picks_of(stack: Stack, token: str) -> list[Any]:
    answer = httpx.get(f"{stack.gateway_url}/api/v1/volunteers/picks", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    picks: list[Any] = answer.json()
    return picks


def test_a_pick_made_offline_survives_a_reload_and_is_sent_once(stack: Stack, browser: Any) -> None:
    """Logged in across tabs and reloads; the page opens offline; a pick queued offline is sent once."""
    street = a_quiet_street(stack)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{stack.gateway_url}/volunteer")
        assert serious_violations(page) == []
        assert small_tap_targets(page) == []
        email = f"offline{time.monotonic_ns()}@test.example"
        sign_up_and_log_in(page, stack, "Olli", email)
        page.get_by_text("Hello").wait_for()
        token = page.evaluate("localStorage.getItem('streetcare.volunteer.token')")
        page.get_by_role("button", name="Adopt", exact=True).click()
        page.get_by_label("Street name").fill(street["name"])
        page.get_by_role("button", name="Search").click()
        page.locator(f"#results li[data-street-id='{street['id']}']").get_by_role("button").click()
        card = page.locator(f"#adoptions li[data-street-id='{street['id']}']")
        card.wait_for()
        assert serious_violations(page) == []
        assert small_tap_targets(page) == []

        # logged in after a reload and in another tab
        page.reload()
        page.get_by_text("Hello").wait_for()
        other = context.new_page()
        other.goto(f"{stack.gateway_url}/volunteer")
        other.get_by_text("Hello").wait_for()
        other.close()
        wait_for(
            lambda: page.evaluate("navigator.serviceWorker.controller !== null"),
            timeout=20,
            message="the service worker",
        )
        wait_for(lambda: page.evaluate("caches.match('/volunteer').then(r => !!r)"), message="the page to be cached")

        context.set_offline(True)
        # Chromium's offline emulation is per document: a reload may briefly get a connection, so the
        # picks endpoint is also cut, as it would be on a phone without one
        context.route("**/api/v1/volunteers/picks", lambda route: route.abort("internetdisconnected"))
        # every attempt to send a pick while offline, with how it ended (the test once found a pick on
        # the service after this point, 1 run in 8: what the browser did then is said if it recurs)
        attempts: list[str] = []
        context.on("request", lambda r: attempts.append(f"sent {r.method} {r.url} by {r.service_worker or r.frame}"))
        context.on("requestfailed", lambda r: attempts.append(f"failed {r.url}: {r.failure}"))
        context.on("requestfinished", lambda r: attempts.append(f"finished {r.url}"))
        card.get_by_role("button", name="Log a pick").click()
        card.get_by_label("Bags").fill("3")
        card.get_by_role("button", name="Save pick").click()
        page.get_by_text("saved on this phone").wait_for()
        page.reload()  # offline: the service worker serves the page, the queue is still there
        page.get_by_text("Hello").wait_for()
        page.get_by_text("1 pick(s) waiting to be sent").wait_for()
        assert picks_of(stack, token) == [], [a for a in attempts if "/picks" in a]
        # back online, the service is busy for the first try: the page tries again by itself
        busy: list[str] = []

        def busy_once(route: Any) -> None:
            if busy:
                route.continue_()
            else:
                busy.append(route.request.url)
                route.fulfill(status=503, headers={"Retry-After": "1"}, json={"detail": "busy"})

        context.unroute("**/api/v1/volunteers/picks")
        context.route("**/api/v1/volunteers/picks", busy_once)
        context.set_offline(False)
        page.get_by_text("Your saved picks were sent").wait_for()
        assert busy, "the first try after coming back online met a busy service"
        context.unroute("**/api/v1/volunteers/picks")
        # a flaky connection and another reload send nothing twice
        context.set_offline(True)
        context.set_offline(False)
        page.reload()
        page.get_by_text("Hello").wait_for()
        picks = wait_for(lambda: picks_of(stack, token), message="the pick to arrive")
        assert len(picks) == 1 and picks[0]["bags"] == 3
        assert page.evaluate("JSON.parse(localStorage.getItem('streetcare.volunteer.picks') || '[]').length") == 0
    finally:
        context.close()


def test_adopt_from_the_map_start_a_team_invite_and_plan_a_clean_up(stack: Stack, browser: Any) -> None:
    street = a_quiet_street(stack)
    context = phone_at(browser, street, "nl-NL", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{stack.gateway_url}/volunteer")
        sign_up_and_log_in(page, stack, "Coco", f"coord{time.monotonic_ns()}@test.example")
        # adopt from the map: the streets near me are drawn in the colour of their state
        page.locator(".tab[data-tab=find]").click()
        page.locator("#near-me").click()
        page.wait_for_selector("#results li")
        assert "m hier vandaan" in page.locator("#results li .meta").first.inner_text()  # the distance, in Dutch
        wait_for(
            lambda: page.evaluate(
                "Streetcare.maps && Streetcare.maps.length === 1 && "
                "document.querySelectorAll('#find-map path.leaflet-interactive, #find-map canvas').length > 0"
            ),
            message="the streets on the map",
        )
        colours = page.evaluate(FILL_COLOURS)
        assert "#1a7f37" in colours  # adoptable streets
        # a tap on a street on the map takes you to its adopt button
        point = page.evaluate(
            """(id) => { const m = Streetcare.maps[0], box = m.getContainer().getBoundingClientRect(); let at = null;
                m.eachLayer(l => {
                    if (l.options.fillColor && l.getLatLng && !at) at = m.latLngToContainerPoint(l.getLatLng());
                });
                return {x: box.left + at.x, y: box.top + at.y}; }""",
            street["id"],
        )
        page.mouse.click(point["x"], point["y"])
        wait_for(
            lambda: page.evaluate("document.activeElement.classList.contains('adopt')"), message="the adopt button"
        )
        page.locator(f"#results li[data-street-id='{street['id']}'] button.adopt").click()
        page.locator(f"#adoptions li[data-street-id='{street['id']}']").wait_for()
        page.locator(".tab[data-tab=find]").click()
        wait_for(
            lambda: "#1f5fbf" in page.evaluate(FILL_COLOURS),
            message="my street in blue",
        )

        # a team, with an invite link
        page.locator(".tab[data-tab=sessions]").click()
        page.locator("#team-form button[type=submit]").click()
        assert page.locator("#team-name-error").inner_text() == "Vul dit in."  # next to the field, in Dutch
        page.locator("#team-name").fill("Straatjutters")
        assert page.locator("#team-name-error").count() == 0  # goes away when fixed
        page.locator("#team-form button[type=submit]").click()
        invite = page.locator("#teams input.invite")
        invite.wait_for()
        link = invite.input_value()
        assert "/volunteer#join=" in link

        # a clean-up on my street: a wrong end time is said next to its field
        page.locator("#cleanup-form").wait_for()
        page.locator("#cleanup-title").fill("Grote schoonmaak")
        tomorrow = page.evaluate("new Date(Date.now() + 86400000).toISOString().slice(0, 10)")
        page.locator("#cleanup-date").fill(tomorrow)
        page.locator("#cleanup-start").fill("14:00")
        page.locator("#cleanup-end").fill("13:00")
        page.locator("#cleanup-form button[type=submit]").click()
        assert page.locator("#cleanup-end-error").inner_text() == "Het einde moet na het begin liggen."
        page.locator("#cleanup-end").fill("16:00")
        page.locator("#cleanup-form button[type=submit]").click()
        page.wait_for_selector("#sessions li")
        assert "Grote schoonmaak" in page.locator("#sessions").inner_text()
        assert serious_violations(page) == []
        assert small_tap_targets(page) == []

        # a second volunteer opens the invite link and is in the team
        other = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
        second = other.new_page()
        second.goto(f"{stack.gateway_url}/volunteer")
        sign_up_and_log_in(second, stack, "Dani", f"member{time.monotonic_ns()}@test.example")
        second.goto(link)
        second.get_by_text("You joined the team Straatjutters").wait_for()
        other.close()
    finally:
        context.close()


def test_team_members_see_their_teams_streets_in_the_list_and_on_the_map(stack: Stack, browser: Any) -> None:
    street = a_quiet_street(stack)
    coordinator = phone_at(browser, street, "nl-NL")
    other = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB", bypass_csp=True)
    try:
        page = coordinator.new_page()
        page.goto(f"{stack.gateway_url}/volunteer")
        sign_up_and_log_in(page, stack, "Coby", f"coby{time.monotonic_ns()}@test.example")
        page.locator(".tab[data-tab=sessions]").click()
        page.locator("#team-name").fill("Buurtprikkers")
        page.locator("#team-form button[type=submit]").click()
        invite = page.locator("#teams input.invite")
        invite.wait_for()
        page.locator("#teams .teamstreets li").first.wait_for()
        assert "Nog geen straten" in page.locator("#teams .teamstreets").inner_text()
        # the coordinator adopts a street in the team's name
        page.locator(".tab[data-tab=find]").click()
        page.locator("#adopt-for-row").wait_for()
        page.select_option("#adopt-for", label="Buurtprikkers")
        page.locator("#near-me").click()
        # nearest first, ten at a time on a phone; the button says what it does, its name which street
        adopt = page.locator(f"#results li[data-street-id='{street['id']}'] button.adopt")
        assert adopt.inner_text() == "Adopteren" and adopt.get_attribute("aria-label") == f"Adopteren {street['name']}"
        here = {"lat": street["centroid"]["lat"], "lon": street["centroid"]["lon"], "radius_m": 500}
        near = httpx.get(f"{stack.gateway_url}/api/v1/volunteers/streets/near", params=here).json()
        assert len(near) > 10, "more than ten streets around this one"
        assert page.locator("#results li[data-street-id]").count() == 10
        assert page.locator("#results-more button").inner_text() == f"Toon er nog {min(10, len(near) - 10)}"
        page.locator("#results-more button").click()
        assert page.locator("#results li[data-street-id]").count() == min(20, len(near))
        assert (
            page.locator("#results li[data-street-id]")
            .nth(10)
            .locator("button.adopt")
            .evaluate("b => b === document.activeElement")
        )
        # the city's streets under the found ones on the map, as on the report page
        wait_for(
            lambda: page.evaluate(
                "Streetcare.maps.some(m => m.getContainer().id === 'find-map' && m.streetLayer.getLayers().length > 20)"
            ),
            message="the streets drawn on the find map",
        )
        adopt.click()
        page.locator(f"#adoptions li[data-street-id='{street['id']}']").wait_for()
        assert "Buurtprikkers" in page.locator(f"#adoptions li[data-street-id='{street['id']}']").inner_text()

        # a member joins, adopts a street of their own, and sees both as the team's
        member = other.new_page()
        member.goto(f"{stack.gateway_url}/volunteer")
        sign_up_and_log_in(member, stack, "Dana", f"dana{time.monotonic_ns()}@test.example")
        member.goto(invite.input_value())
        member.get_by_text("You joined the team Buurtprikkers").wait_for()
        own = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 1, "offset": 10}).json()
        own_id = own["items"][0]["id"]
        token = member.evaluate("localStorage.getItem('streetcare.volunteer.token')")
        adopted = httpx.post(
            f"{stack.gateway_url}/api/v1/volunteers/adoptions",
            json={"street_id": own_id, "rhythm": "monthly"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert adopted.status_code == 201, adopted.text
        member.locator(".tab[data-tab=sessions]").click()
        team_streets = member.locator("#teams .teamstreets")
        team_streets.locator(f"li[data-street-id='{own_id}']").wait_for()
        ours = team_streets.locator(f"li[data-street-id='{street['id']}']").inner_text()
        assert "adopted by Buurtprikkers" in ours and "weekly" in ours, ours
        assert "adopted by Dana" in team_streets.locator(f"li[data-street-id='{own_id}']").inner_text()
        assert serious_violations(member) == []
        assert small_tap_targets(member) == []
        # on the map: the team's street in the team's colour, the member's own in "mine"
        member.get_by_role("button", name="Show our streets on the map").click()
        wait_for(
            lambda: (
                member.evaluate("!!(Streetcare.maps && Streetcare.maps.length)")
                and {"#6a4c93", "#1f5fbf"} <= set(member.evaluate(FILL_COLOURS))
            ),
            message="the team's street and my own on the map",
        )
        assert member.locator("#panel-find .maplegend").inner_text().count("my team's streets") == 1

        # the coordinator's page says it in Dutch
        page.locator(".tab[data-tab=sessions]").click()
        page.locator(f"#teams .teamstreets li[data-street-id='{own_id}']").wait_for()
        assert "geadopteerd door Dana" in page.locator("#teams .teamstreets").inner_text()
        assert "Onze straten" in page.locator("#teams").inner_text()
    finally:
        other.close()
        coordinator.close()


def test_sign_up_says_check_your_mail_and_the_mailed_link_confirms(stack: Stack, browser: Any) -> None:
    """#12 on the page: after sign-up it says to check the mail; logging in before the link says to
    follow it (and offers to send it again); the link from the mail that arrived, opened in a new tab,
    confirms the address and lets the person log in."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{stack.gateway_url}/volunteer")
        email = f"confirm{time.monotonic_ns()}@test.example"
        page.locator("#signup-name").fill("Bo")
        page.locator("#signup-email").fill(email)
        page.locator("#signup-password").fill("a-long-password")
        page.locator("#signup-form button[type=submit]").click()
        page.get_by_text("Kijk in je mail").wait_for()
        assert page.locator("#login-email").input_value() == email  # ready for the login after the link
        assert page.evaluate("localStorage.getItem('streetcare.volunteer.token')") is None

        # logging in before following the link: refused with what to do, and the link can be sent again
        page.locator("#login-password").fill("a-long-password")
        page.locator("#login-form button[type=submit]").click()
        page.get_by_text("Bevestig eerst je e-mailadres").wait_for()
        assert "error" in (page.locator("#status").get_attribute("class") or "")
        page.locator("#resend-confirmation").click()
        page.get_by_text("komt er een nieuwe link aan").wait_for()
        assert page.evaluate("localStorage.getItem('streetcare.volunteer.token')") is None

        # both mails arrived (the sign-up's and the one sent again): the newest link, opened as a mail
        # program opens it, in a new tab
        wait_for(
            lambda: len([m for m in caught_mail(stack.mail_catcher_dir, to=email) if "#confirm=" in m.body]) == 2,
            message="the second confirmation mail",
        )
        link = mailed_link_on_this_stack(stack, email)
        tab = context.new_page()
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.goto(link)
        tab.get_by_text("Je adres is bevestigd").wait_for()
        assert tab.url == f"{stack.gateway_url}/volunteer"  # the token leaves the address bar
        assert tab.locator("#login-email").input_value() == email
        tab.locator("#login-password").fill("a-long-password")
        tab.locator("#login-form button[type=submit]").click()
        tab.locator("#me-name").wait_for()
        assert tab.locator("#me-name").inner_text() == "Bo"

        # the same link a second time: used, said so in the page's language
        again = context.new_page()
        again.goto(f"{stack.gateway_url}/volunteer")
        again.evaluate("localStorage.clear()")
        again.goto(link.replace("/volunteer#", "/volunteer?again#"))
        again.get_by_text("al gebruikt of verlopen").wait_for()
        assert problems == []
    finally:
        context.close()


ENGLISH_DETAILS = (
    "String should",
    "wrong password",
    "already exists",
    "no team has this code",
    "not right",
    "not within",
)


def no_english_detail(page: Any) -> bool:
    body = page.locator("body").inner_text()
    return not [english for english in ENGLISH_DETAILS if english in body]


def test_refusals_are_said_in_dutch_beside_the_field_they_are_about(stack: Stack, browser: Any) -> None:
    """What the service refuses is said in the page's language next to the field to fix, and goes away
    when it is fixed: a short password (FastAPI's 422 list), a team name that is taken and a wrong current
    password (refusals with a code), beside the field; a street adopted twice beside its adopt button, bags
    far from any street beside "where"; a wrong login and an unknown invite code in the status line."""
    taken = f"Veegploeg {time.monotonic_ns()}"
    street = a_quiet_street(stack)
    other = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="nl-NL",
        bypass_csp=True,
        geolocation={"latitude": street["centroid"]["lat"] + 0.03, "longitude": street["centroid"]["lon"]},
        permissions=["geolocation"],  # 3 km from any street
    )
    try:
        first = other.new_page()
        first.goto(f"{stack.gateway_url}/volunteer")
        sign_up_and_log_in(first, stack, "Fenna", f"first{time.monotonic_ns()}@test.example")
        first.locator(".tab[data-tab=sessions]").click()
        first.locator("#team-name").fill(taken)
        first.locator("#team-form button[type=submit]").click()
        first.locator("#teams input.invite").wait_for()

        page = context.new_page()
        page.goto(f"{stack.gateway_url}/volunteer")
        wait_for(lambda: page.evaluate("document.documentElement.lang") == "nl", message="the page in Dutch")
        email = f"refused{time.monotonic_ns()}@test.example"
        page.locator("#signup-name").fill("Kim")
        page.locator("#signup-email").fill(email)
        page.locator("#signup-password").fill("kort")
        page.locator("#signup-form button[type=submit]").click()
        page.locator("#signup-password-error").wait_for()
        assert error_beside(page, "signup-password") == "Minstens 10 tekens."
        assert page.evaluate("document.activeElement.id") == "signup-password"
        assert no_english_detail(page)
        page.locator("#signup-password").fill("a-long-password")
        assert error_beside(page, "signup-password") == ""

        page.locator("#login-email").fill(f"nobody{time.monotonic_ns()}@test.example")
        page.locator("#login-password").fill("not-the-password")
        page.locator("#login-form button[type=submit]").click()
        page.get_by_text("Onbekend e-mailadres of verkeerd wachtwoord.").wait_for()
        assert no_english_detail(page)

        sign_up_and_log_in(page, stack, "Kim", email)
        page.locator(".tab[data-tab=sessions]").click()
        page.locator("#team-name").fill(taken)
        page.locator("#team-form button[type=submit]").click()
        page.locator("#team-name-error").wait_for()
        assert error_beside(page, "team-name").startswith("Er bestaat al een team met deze naam.")
        assert no_english_detail(page)
        assert serious_violations(page) == []
        page.locator("#team-name").fill(taken + " Noord")
        assert error_beside(page, "team-name") == ""

        page.locator(".tab[data-tab=account]").click()
        page.locator("#pw-current").fill("not-my-password")
        page.locator("#pw-new").fill("another-long-password")
        page.locator("#password-form button[type=submit]").click()
        page.locator("#pw-current-error").wait_for()
        assert error_beside(page, "pw-current") == "Dit is niet je huidige wachtwoord."
        assert no_english_detail(page)
        page.locator("#pw-current").fill("a-long-password")
        assert error_beside(page, "pw-current") == ""

        # adopting a street twice: said beside the adopt button, in Dutch
        page.locator(".tab[data-tab=find]").click()
        page.locator("#search-q").fill(street["name"])
        page.locator("#search-form button[type=submit]").click()
        adopt = page.locator(f"#results li[data-street-id='{street['id']}'] button.adopt")
        adopt.click()
        page.locator(f"#adoptions li[data-street-id='{street['id']}']").wait_for()
        page.locator(".tab[data-tab=find]").click()
        page.locator("#search-form button[type=submit]").click()  # the same search again, fresh buttons
        wait_for(lambda: adopt.is_enabled(), message="a fresh adopt button")
        adopt.click()
        wait_for(lambda: adopt.get_attribute("data-refused") == "true", message="the refusal beside the button")
        assert error_beside(page, str(adopt.get_attribute("id"))).startswith(
            "Je hebt deze straat (of je team heeft haar) al geadopteerd."
        )
        assert no_english_detail(page) and "already adopted" not in page.locator("body").inner_text()
        assert serious_violations(page) == []

        # bags far from any street: said beside "where", with the distance
        page.locator(".tab[data-tab=bags]").click()
        page.locator("#bags-street").select_option("here")
        page.locator("#bags-form button[type=submit]").click()
        page.locator("#bags-street-error").wait_for()
        assert error_beside(page, "bags-street") == (
            "Deze plek ligt meer dan 150 m van elke straat. Zet de zakken bij een straat, of kies een van je straten."
        )
        page.locator("#bags-street").select_option(str(street["id"]))
        assert error_beside(page, "bags-street") == ""

        page.goto(f"{stack.gateway_url}/volunteer#join=no-such-team-code")
        page.locator("#status.error:not(:empty)").wait_for()
        assert no_english_detail(page)
        assert page.locator("#status").inner_text() == (
            "Deze uitnodigingslink hoort bij geen enkel team. Vraag de coördinator opnieuw om de link."
        )
    finally:
        context.close()
        other.close()


def test_every_refusal_code_the_volunteer_page_meets_is_in_both_catalogues() -> None:
    """Every code the volunteers service (and the kernel's photo and street checks it uses) answers
    with has words in Dutch and English: in volunteer.problem, or in the pages' shared problem group."""
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "services/volunteers").rglob("*.py"), root / "kernel/photos.py", root / "kernel/street_copy.py"]
    codes = {
        code
        for path in sources
        if "tests" not in path.parts
        for code in re.findall(r'code="([a-z_]+)"', path.read_text())
    }
    assert {"team_name_taken", "password_wrong", "already_adopted", "street_unknown", "photo_too_large"} <= codes
    for lang in ("en", "nl"):
        catalogue = json.loads((root / f"gateway/web/static/i18n/{lang}.json").read_text())
        known = set(catalogue["volunteer"]["problem"]) | set(catalogue["problem"])
        assert codes <= known, (lang, codes - known)
