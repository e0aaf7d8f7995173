"""Every page on a 360 × 740 phone, in Dutch and in English: nothing sticks out sideways, and no
word is broken inside itself — not by CSS (`word-break: break-all`, `overflow-wrap: anywhere`), not
by a box too narrow for it. Long Dutch compounds may be hyphenated (`hyphens: auto` with the page's
`lang`), never cut at an arbitrary letter."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from conftest import replan_through_job, wait_for
from streetcare.testing import Stack
from tests.browser.helpers import DISPATCHER_LOGIN, dispatching
from tests.browser.volunteer_signup import sign_up_and_log_in

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]
PHONE = {"width": 360, "height": 740}
LOCALES = {"en": "en-GB", "nl": "nl-NL"}

# What sticks out past the right edge of the screen (the page then scrolls sideways); every word of
# visible text laid out on more than one line (broken inside itself) or wider than the box it is in;
# and the elements whose CSS lets words break at any letter. A line may break after a hyphen or a
# dash ("clean-" / "up") or at a soft hyphen, so those end a word here; an element with
# `hyphens: auto` may hyphenate a word (the browser draws the hyphen, at a syllable).
LAYOUT = """(() => {
    const width = window.innerWidth, out = {scrollWidth: document.scrollingElement.scrollWidth, width,
        sticksOut: [], broken: [], spills: [], breakAnywhere: []};
    const name = n => n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') +
        (typeof n.className === 'string' && n.className ? '.' + n.className.trim().split(/\\s+/).join('.') : '');
    const clipped = n => { for (let p = n.parentElement; p && p !== document.body; p = p.parentElement) {
        const s = getComputedStyle(p); if (s.overflowX !== 'visible' || s.contain.includes('paint')) return true; }
        return false; };
    for (const n of document.body.querySelectorAll('*')) {
        const r = n.getBoundingClientRect();
        if (!r.width || !r.height || n.closest('.leaflet-container, .sr, .sr-only')) continue;
        if (r.right > width + 0.5 && !clipped(n)) out.sticksOut.push(name(n) + ' right=' + Math.round(r.right));
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange(), flagged = new Set();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const parent = t.parentElement;
        if (!parent || !t.data.trim() || parent.closest('script, style, select, textarea, .leaflet-container')) {
            continue;
        }
        if (!parent.getClientRects().length) continue;  // not laid out: hidden
        const style = getComputedStyle(parent);
        let block = parent;
        while (block && /^(inline|contents)$/.test(getComputedStyle(block).display)) block = block.parentElement;
        const own = block && block.getBoundingClientRect(), edge = own && own.right, start = own && own.left;
        if (block && getComputedStyle(block).overflowX !== 'visible') block = null;  // it scrolls or clips: fine
        if ((style.wordBreak === 'break-all' || style.wordBreak === 'break-word' || style.overflowWrap === 'anywhere')
            && !flagged.has(parent)) {
            flagged.add(parent);
            out.breakAnywhere.push(`${name(parent)} word-break=${style.wordBreak} overflow-wrap=${style.overflowWrap}`);
        }
        const words = /[^\\s\\u00ad\\u200b\\-\\u2010\\u2013\\u2014\\/]+/g;
        for (let m = words.exec(t.data); m; m = words.exec(t.data)) {
            range.setStart(t, m.index);
            range.setEnd(t, m.index + m[0].length);
            const rects = Array.from(range.getClientRects()).filter(b => b.width > 0);
            const tops = new Set(rects.map(b => Math.round(b.top / 4)));
            if (tops.size > 1 && style.hyphens !== 'auto') out.broken.push(m[0] + ' in ' + name(parent));
            const spills = block && rects.some(b => b.right > edge + 1 || b.left < start - 1);
            if (spills) out.spills.push(m[0] + ' out of ' + name(block));
        }
    }
    return out;
})()"""


def fits(page: Any, where: str) -> None:
    """The page as it is now fits the phone and cuts no word."""
    found = page.evaluate(LAYOUT)
    assert found["breakAnywhere"] == [], f"{where}: CSS lets words break at any letter"
    assert found["broken"] == [], f"{where}: words broken inside themselves"
    assert found["spills"] == [], f"{where}: words wider than their box"
    assert found["sticksOut"] == [], f"{where}: wider than the screen"
    assert found["scrollWidth"] <= found["width"], f"{where}: the page scrolls sideways"


def phone(browser: Any, lang: str, **options: Any) -> Any:
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale=LOCALES[lang], **options
    )


def a_spot(stack: Stack, index: int) -> dict[str, float]:
    """Where the phone is: on a street of the demo city."""
    answer = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/streets", params={"limit": 120})
    centroid = answer.json()["items"][index]["centroid"]
    return {"latitude": centroid["lat"], "longitude": centroid["lon"]}


def translated(page: Any, lang: str) -> None:
    # polled from here: wait_for_function evaluates its string with eval, which the pages' CSP forbids
    wait_for(lambda: page.evaluate("document.documentElement.lang") == lang, message=f"the page in {lang}")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_page_fits_a_phone_without_breaking_words(stack: Stack, browser: Any, lang: str) -> None:
    context = phone(browser, lang, geolocation=a_spot(stack, 88), permissions=["geolocation"])
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/report")
        translated(page, lang)
        page.wait_for_selector("input[name=category]")
        fits(page, "the empty form")
        page.locator("#locate").click()
        page.wait_for_selector("#spot[data-state=street]")
        page.locator("input[name=category][value=hazard]").check()  # the longest name, and a question
        page.wait_for_selector("#questions select")
        fits(page, "the form filled in")
        page.locator("#questions select").select_option("glass")
        page.locator("#submit").click()
        page.wait_for_selector("#tracking:not([hidden]) #track-history li")
        fits(page, "the report as its reporter follows it")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_volunteer_page_fits_a_phone_without_breaking_words(stack: Stack, browser: Any, lang: str) -> None:
    context = phone(browser, lang, geolocation=a_spot(stack, 60), permissions=["geolocation"])
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/volunteer")
        translated(page, lang)
        page.locator("#welcome:not([hidden])").wait_for()
        fits(page, "the welcome")
        sign_up_and_log_in(page, stack, "Fits", f"narrow{lang}{time.monotonic_ns()}@test.example")
        for tab in ("streets", "find", "sessions", "bags", "impact", "account"):
            page.locator(f".tab[data-tab={tab}]").click()
            page.locator(f"#panel-{tab}:not([hidden])").wait_for()
            page.wait_for_load_state("networkidle")
            fits(page, f"the {tab} tab")
            if tab == "find":
                page.locator("#near-me").click()
                page.wait_for_selector("#results li button.adopt")
                fits(page, "the streets near me")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_dispatch_page_fits_a_phone_without_breaking_words(stack: Stack, browser: Any, lang: str) -> None:
    headers, day = dispatching(stack)
    replan_through_job(stack.gateway_url, headers, day)
    context = phone(browser, lang)
    try:
        page = context.new_page()
        page.goto(f"{stack.gateway_url}/dispatch")
        translated(page, lang)
        page.locator("#login:not([hidden])").wait_for()
        fits(page, "the login")
        page.fill("#email", DISPATCHER_LOGIN["email"])
        page.fill("#password", DISPATCHER_LOGIN["password"])
        page.click("#login-form button[type=submit]")
        page.wait_for_selector(".crew .visit", timeout=30_000)
        wait_for(lambda: page.evaluate("!!(Streetcare.maps && Streetcare.maps.length)"), message="the map")
        page.wait_for_load_state("networkidle")
        fits(page, "the plan")
    finally:
        context.close()
