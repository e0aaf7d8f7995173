"""The dispatch page's statistics section in headless Chromium: a dispatcher filters the city's report
figures by district, category and period, reads them in English and Dutch, downloads the same table
as CSV, and a period the service refuses is explained beside its field."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import wait_for
from streetcare.testing import Stack
from tests.browser.axe import serious_violations
from tests.browser.helpers import DISPATCHER_LOGIN, dispatcher_token

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]
STATISTICS = "/api/v1/reports/statistics"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def file_reports(stack: Stack, headers: dict[str, str], district: str, count: int) -> list[int]:
    """A litter report on each of `count` streets of `district` (on one street they would be one report
    and its duplicates); the first one resolved by the dispatcher."""
    streets = httpx.get(
        f"{stack.gateway_url}/api/v1/scheduling/streets", params={"district": district, "limit": count}
    ).json()["items"]
    assert len(streets) == count
    ids = []
    for n, street in enumerate(streets):
        answer = httpx.post(
            f"{stack.gateway_url}/api/v1/reports/reports",
            json={"category": "litter", **street["centroid"], "description": f"statistics {n}"},
        )
        assert answer.status_code == 201 and answer.json()["status"] == "open", answer.text
        ids.append(answer.json()["id"])
    resolved = httpx.post(
        f"{stack.gateway_url}/api/v1/reports/reports/{ids[0]}/status",
        json={"status": "resolved", "note": "cleaned"},
        headers=headers,
    )
    assert resolved.status_code == 200, resolved.text
    return ids


def figures(stack: Stack, headers: dict[str, str], district: str) -> dict[str, Any]:
    """The service's own figures for today's litter reports in `district` (what the table must show)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    params = {
        "district": district,
        "category": "litter",
        "from": today.isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }
    rows: list[dict[str, Any]] = httpx.get(f"{stack.gateway_url}{STATISTICS}", params=params, headers=headers).json()[
        "rows"
    ]
    return rows[0]


def cells(page: Any, district: str) -> list[str]:
    row = page.locator(f'#stats-body tr[data-district="{district}"][data-category="litter"] > *')
    return [str(text) for text in row.all_inner_texts()]


def test_a_dispatcher_reads_and_downloads_the_report_statistics(stack: Stack, browser: Any) -> None:
    headers = {"Authorization": f"Bearer {dispatcher_token(stack)}"}
    district = httpx.get(f"{stack.gateway_url}/api/v1/scheduling/districts", headers=headers).json()[0]["name"]
    file_reports(stack, headers, district, 3)
    expected = figures(stack, headers, district)
    assert expected["received"] >= 3 and expected["resolved"] >= 1

    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-GB", timezone_id="UTC", bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{stack.gateway_url}/dispatch")
        page.fill("#email", DISPATCHER_LOGIN["email"])
        page.fill("#password", DISPATCHER_LOGIN["password"])
        page.click("#login-form button[type=submit]")
        # the last 30 days, every district and category, with the total row last
        page.wait_for_selector('#stats-body tr.total[data-district="(all)"]', timeout=30_000)
        assert page.locator("#stats-body tr").last.locator("th").inner_text() == "Total"
        wait_for(lambda: page.locator(f'#stats-district option[value="{district}"]').count() == 1, message="districts")

        # one district, one category, today only
        today = datetime.now(UTC).date().isoformat()
        page.select_option("#stats-district", district)
        page.select_option("#stats-category", "litter")
        page.fill("#stats-from", today)
        page.fill("#stats-to", today)
        page.get_by_role("button", name="Show", exact=True).click()
        wait_for(lambda: len(page.locator("#stats-body tr").all()) == 2 and cells(page, district), message="filtered")
        shown = cells(page, district)
        assert shown[:5] == [
            district,
            "Litter",
            str(expected["received"]),
            str(expected["resolved"]),
            str(expected["overdue"]),
        ]
        assert re.fullmatch(r"\d+ min", shown[5]), shown  # the median: resolved within the hour, so in minutes
        assert shown[6] == f"{round(100 * expected['share_within_target'])}%"
        assert "reports received from" in page.locator("#stats-message").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#statistics").screenshot(path=str(SCREENSHOTS / "dispatch-statistics.png"))

        # the CSV link downloads exactly the table shown
        link = page.locator("#stats-csv")
        assert f"district={district.replace(' ', '+')}" in (link.get_attribute("href") or "")
        with page.expect_download() as started:
            link.click()
        download = started.value
        assert download.suggested_filename.startswith("report-statistics-") and download.suggested_filename.endswith(
            ".csv"
        )
        exported = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
        assert [(r["district"], r["category"], r["received"], r["resolved"]) for r in exported] == [
            (district, "litter", str(expected["received"]), str(expected["resolved"])),
            ("(all)", "(all)", str(expected["received"]), str(expected["resolved"])),
        ]

        # in Dutch: the headings, the total and the figures' formats follow the page's language
        page.locator("button.lang[data-lang=nl]").click()
        wait_for(lambda: page.locator("#stats-table thead th").nth(2).inner_text() == "Ontvangen", message="Dutch")
        assert page.locator("#stats-body tr.total th").inner_text() == "Totaal"
        assert "meldingen ontvangen van" in page.locator("#stats-message").inner_text()
        assert serious_violations(page) == []

        # a period the service refuses: said beside the field it is about, in Dutch, nothing shown
        yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
        page.fill("#stats-to", yesterday)
        page.get_by_role("button", name="Tonen", exact=True).click()
        wait_for(lambda: page.locator("#stats-to-error").count() == 1, message="the refusal")
        assert page.locator("#stats-to-error").inner_text() == "Kies een dag op of na het begin."
        assert page.locator("#stats-to").get_attribute("aria-invalid") == "true"
        assert page.locator("#stats-body tr").count() == 0
        page.fill("#stats-to", today)  # changing the field takes its message away
        assert page.locator("#stats-to-error").count() == 0
        assert errors == []
    finally:
        context.close()
