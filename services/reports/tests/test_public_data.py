"""Public data is public on purpose (issue 12): what strangers read through Open311, and XML that
always parses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.reports.tests.support import ON_STREET_1, ReportsEnv, running_reports


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


def open311_post(env: ReportsEnv, fmt: str = "json", **fields: str) -> Any:
    data = {"api_key": env.api_key, "service_code": "litter", "lat": str(ON_STREET_1[0]), "long": str(ON_STREET_1[1])}
    data.update(fields)
    return env.client.post(f"/open311/v2/requests.{fmt}", data=data)


def test_public_requests_hide_contact_details_and_typed_addresses(reports_env: ReportsEnv) -> None:
    created = open311_post(
        reports_env,
        description="bottles everywhere, call me Alice 0612345678 or +31 6 1234 5678, alice@example.org",
        lat="60.1700123456",
        long="24.9410098765",
    )
    assert created.status_code in (200, 201), created.text
    request_id = created.json()[0]["service_request_id"]
    typed = open311_post(reports_env, description="glass", address_string="Mannerheimintie 12 b 7", lat="", long="")
    assert typed.status_code in (200, 201), typed.text
    typed_id = typed.json()[0]["service_request_id"]
    listing = reports_env.client.get("/open311/v2/requests.json", params={"service_request_id": request_id})
    [item] = listing.json()
    assert "0612345678" not in item["description"] and "1234 5678" not in item["description"]
    assert "alice@example.org" not in item["description"] and "bottles everywhere" in item["description"]
    assert item["lat"] == round(60.1700123456, 5) and item["long"] == round(24.9410098765, 5)
    single = reports_env.client.get(f"/open311/v2/requests/{typed_id}.json").json()[0]
    assert "12 b 7" not in (single["address"] or "")
    assert "0612345678" not in reports_env.client.get("/open311/v2/requests.xml").text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=40))
@example(text="bottles\x01 here\x0c and \x1b there \ufffe")
def test_every_xml_answer_parses_whatever_text_came_in(reports_env: ReportsEnv, text: str) -> None:
    """Text from every Unicode category (all but lone surrogates, which UTF-8 cannot carry), sent
    through both front doors: the Open311 form and the JSON API."""
    by_form = open311_post(reports_env, description=text)
    assert by_form.status_code in (200, 201), by_form.text
    lat, lon = ON_STREET_1
    by_json = reports_env.client.post(
        "/api/v1/reports/reports",
        json={"category": "litter", "lat": lat, "lon": lon, "description": text},
    )
    assert by_json.status_code in (200, 201), by_json.text
    form_id = by_form.json()[0]["service_request_id"]
    for path, params in (
        ("/open311/v2/requests.xml", {"service_request_id": f"{form_id},{by_json.json()['id']}"}),
        (f"/open311/v2/requests/{form_id}.xml", {}),
        ("/open311/v2/requests.xml", {"service_code": text}),  # echoed in an error
    ):
        answer = reports_env.client.get(path, params=params)
        assert answer.content.startswith(b"<?xml"), (path, answer.status_code, answer.content[:300])
        SafeET.fromstring(answer.content)  # raises ParseError on a forbidden character
