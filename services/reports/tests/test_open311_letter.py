"""Open311 GeoReport v2 to the letter: one test per item of issue 17's list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from fastapi.testclient import TestClient

from conftest import SERVICE_HEADERS
from services.reports.app import create_app
from services.reports.tests.support import ReportsEnv, open311_form, running_reports

BASE = "/open311/v2"


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


def form(env: ReportsEnv, **fields: str) -> dict[str, str]:
    """`open311_form` with this env's key; a field given as "" is left out."""
    return open311_form(env.api_key, **{name: value or None for name, value in fields.items()})


def test_1_post_returns_the_id_and_no_token_for_realtime_services(reports_env: ReportsEnv) -> None:
    [item] = reports_env.client.post(f"{BASE}/requests.json", data=form(reports_env)).json()
    assert item["service_request_id"].isdigit() and "token" not in item
    root = SafeET.fromstring(reports_env.client.post(f"{BASE}/requests.xml", data=form(reports_env)).content)
    assert root.find("request/service_request_id") is not None and root.find("request/token") is None
    types = {s["type"] for s in reports_env.client.get(f"{BASE}/services.json").json()}
    assert types == {"realtime"}


def test_2_the_xml_declaration_reads_as_the_specification_writes_it(reports_env: ReportsEnv) -> None:
    for resource in ("discovery.xml", "services.xml", "services/litter.xml", "requests.xml", "nothing.xml"):
        answer = reports_env.client.get(f"{BASE}/{resource}")
        assert answer.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<'), resource
        SafeET.fromstring(answer.content)  # still well-formed


def test_3_a_description_over_4000_characters_is_refused_with_the_limit(reports_env: ReportsEnv) -> None:
    assert (
        reports_env.client.post(f"{BASE}/requests.json", data=form(reports_env, description="x" * 4000)).status_code
        == 201
    )
    answer = reports_env.client.post(f"{BASE}/requests.json", data=form(reports_env, description="x" * 4001))
    assert answer.status_code == 400
    assert "4001 characters" in answer.json()[0]["description"] and "at most 4000" in answer.json()[0]["description"]
    assert len(reports_env.sql("SELECT id FROM reports")) == 1


def test_4_a_json_body_is_told_to_use_form_encoding(reports_env: ReportsEnv) -> None:
    answer = reports_env.client.post(f"{BASE}/requests.json", json=form(reports_env))
    assert answer.status_code == 400
    assert "form-encoded" in answer.json()[0]["description"] and "application/json" in answer.json()[0]["description"]
    xml_answer = reports_env.client.post(f"{BASE}/requests.xml", json=form(reports_env))
    assert xml_answer.status_code == 400 and b"form-encoded" in xml_answer.content
    assert reports_env.sql("SELECT id FROM reports") == []


def test_5_an_unknown_service_code_filter_gives_an_empty_list(reports_env: ReportsEnv) -> None:
    assert reports_env.client.post(f"{BASE}/requests.json", data=form(reports_env)).status_code == 201
    assert reports_env.client.get(f"{BASE}/requests.json", params={"service_code": "graffiti"}).json() == []
    both = reports_env.client.get(f"{BASE}/requests.json", params={"service_code": "graffiti,litter"}).json()
    assert [r["service_code"] for r in both] == ["litter"]
    root = SafeET.fromstring(
        reports_env.client.get(f"{BASE}/requests.xml", params={"service_code": "graffiti"}).content
    )
    assert root.tag == "service_requests" and list(root) == []


def test_6_jurisdiction_id_and_address_id_are_accepted(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    assert client.post(f"{BASE}/requests.json", data=form(reports_env, jurisdiction_id="anything")).status_code == 201
    by_street = client.post(f"{BASE}/requests.json", data=form(reports_env, lat="", long="", address_id="2"))
    assert by_street.status_code == 201, by_street.text
    [(street_id,)] = reports_env.sql(
        "SELECT street_id FROM reports WHERE id = :i", i=int(by_street.json()[0]["service_request_id"])
    )
    assert street_id == 2
    unknown = client.post(f"{BASE}/requests.json", data=form(reports_env, lat="", long="", address_id="77"))
    assert unknown.status_code == 400 and "address_id" in unknown.json()[0]["description"]
    with_device = form(reports_env, device_id="phone-1", account_id="42")
    assert client.post(f"{BASE}/requests.json", data=with_device).status_code == 201
    configured = reports_env.settings.model_copy(update={"open311_jurisdiction_id": "helsinki.fi"})
    with TestClient(create_app(configured), headers=SERVICE_HEADERS) as city:
        assert city.get(f"{BASE}/services.json", params={"jurisdiction_id": "helsinki.fi"}).status_code == 200
        assert city.get(f"{BASE}/services.json").status_code == 200  # optional for a one-city endpoint
        other = city.get(f"{BASE}/services.json", params={"jurisdiction_id": "espoo.fi"})
        assert other.status_code == 404 and "helsinki.fi" in other.json()[0]["description"]
        refused = city.post(f"{BASE}/requests.json", data=form(reports_env, jurisdiction_id="espoo.fi"))
        assert refused.status_code == 404
        assert (
            city.post(f"{BASE}/requests.json", data=form(reports_env, jurisdiction_id="helsinki.fi")).status_code == 201
        )


def test_7_service_names_in_the_language_asked(reports_env: ReportsEnv) -> None:
    def litter(**kwargs: Any) -> dict[str, Any]:
        services = reports_env.client.get(f"{BASE}/services.json", **kwargs).json()
        return next(s for s in services if s["service_code"] == "litter")

    assert litter()["service_name"] == "Litter"
    dutch = litter(headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"})
    assert dutch["service_name"] == "Zwerfafval" and dutch["description"].startswith("Los zwerfafval")
    assert litter(params={"locale": "nl_NL"})["service_name"] == "Zwerfafval"
    assert litter(params={"locale": "en"}, headers={"Accept-Language": "nl"})["service_name"] == "Litter"
    assert litter(headers={"Accept-Language": "de-DE"})["service_name"] == "Litter"


def test_8_discovery_derives_its_url_from_the_configured_base_or_the_request(reports_env: ReportsEnv) -> None:
    configured = reports_env.client.get(f"{BASE}/discovery.json").json()
    assert configured["endpoints"][0]["url"] == "https://streetcare.example/open311/v2"
    unset = reports_env.settings.model_copy(update={"public_base_url": ""})
    with TestClient(create_app(unset), headers=SERVICE_HEADERS, base_url="http://127.0.0.1:9123") as direct:
        assert direct.get(f"{BASE}/discovery.json").json()["endpoints"][0]["url"] == "http://127.0.0.1:9123/open311/v2"
        proxied = direct.get(
            f"{BASE}/discovery.json",
            headers={"X-Forwarded-Host": "meldingen.city.example", "X-Forwarded-Proto": "https"},
        ).json()
        assert proxied["endpoints"][0]["url"] == "https://meldingen.city.example/open311/v2"
        assert proxied["key_service"] == "https://meldingen.city.example/open311/v2/api-keys.html"
        forged = direct.get(f"{BASE}/discovery.json", headers={"X-Forwarded-Host": "evil.example/<script>"}).json()
        assert "<script>" not in forged["endpoints"][0]["url"]
