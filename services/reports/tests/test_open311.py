"""Open311 GeoReport v2 conformance, checked against the specification text (wiki.open311.org/GeoReport_v2).

Every resource in both formats; the XML element names of the specification; the `errors` list with
400/403/404; the GET requests defaults (last 90 days, at most 1000) and filters; the common
extensions `page`/`page_size` and per-request `notes`; form-encoded POSTs as clients send them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as SafeET

from services.reports import admin
from services.reports.clients import service as clients
from services.reports.tests.support import ReportsEnv, open311_form, running_reports, set_report

BASE = "/open311/v2"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


def xml(answer: Any) -> Element:
    assert answer.headers["content-type"].startswith("text/xml"), answer.headers["content-type"]
    assert answer.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root: Element = SafeET.fromstring(answer.content)
    return root


def post(env: ReportsEnv, fmt: str = "json", **fields: str | None) -> Any:
    return env.client.post(f"{BASE}/requests.{fmt}", data=open311_form(env.api_key, **fields))


def assert_errors_json(answer: Any, status: int, fragment: str) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status and fragment in body[0]["description"]


def assert_errors_xml(answer: Any, status: int, fragment: str) -> None:
    assert answer.status_code == status
    root = xml(answer)
    assert root.tag == "errors"
    errors = root.findall("error")
    assert len(errors) == 1
    assert errors[0].findtext("code") == str(status) and fragment in (errors[0].findtext("description") or "")


def test_discovery_in_both_formats(reports_env: ReportsEnv) -> None:
    body = reports_env.client.get(f"{BASE}/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://streetcare.example/open311/v2"
    assert endpoint["type"] == "production" and set(endpoint["formats"]) == {"text/xml", "application/json"}
    datetime.fromisoformat(body["changeset"])
    root = xml(reports_env.client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint_xml = root.find("endpoints/endpoint")
    assert endpoint_xml is not None
    assert endpoint_xml.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint_xml.findall("formats/format")] == ["text/xml", "application/json"]


def test_service_list_in_both_formats(reports_env: ReportsEnv) -> None:
    services = reports_env.client.get(f"{BASE}/services.json").json()
    fields = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert all(set(s) == fields for s in services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["hazard"]["metadata"] is True and by_code["litter"]["metadata"] is False
    assert {s["type"] for s in services} == {"realtime"}
    root = xml(reports_env.client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == list(by_code)
    assert root.find("service/metadata") is not None and root.findtext("service/metadata") in ("true", "false")


def test_service_definition_with_attributes_in_both_formats(reports_env: ReportsEnv) -> None:
    definition = reports_env.client.get(f"{BASE}/services/hazard.json").json()
    assert definition["service_code"] == "hazard"
    attribute = definition["attributes"][0]
    assert {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    } <= set(attribute)
    assert attribute["datatype"] == "singlevaluelist" and attribute["required"] is True and attribute["order"] == 1
    assert {"key": "needles", "name": "Needles"} in attribute["values"]
    root = xml(reports_env.client.get(f"{BASE}/services/hazard.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "hazard"
    values = root.findall("attributes/attribute/values/value")
    assert ("needles", "Needles") in [(v.findtext("key"), v.findtext("name")) for v in values]
    assert root.findtext("attributes/attribute/variable") == "true"
    assert reports_env.client.get(f"{BASE}/services/litter.json").json()["attributes"] == []
    assert_errors_json(reports_env.client.get(f"{BASE}/services/graffiti.json"), 404, "graffiti")
    assert_errors_xml(reports_env.client.get(f"{BASE}/services/graffiti.xml"), 404, "graffiti")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_a_service_request(reports_env: ReportsEnv, fmt: str) -> None:
    answer = post(reports_env, fmt, description="bottles", email="app.user@example.org", first_name="Ann")
    assert answer.status_code == 201, answer.text
    if fmt == "json":
        item = answer.json()[0]
    else:
        root = xml(answer)
        assert root.tag == "service_requests"
        element = root.find("request")
        assert element is not None
        item = {child.tag: child.text for child in element}
    assert set(item) >= {"service_request_id", "service_notice", "account_id"}
    request_id = item["service_request_id"]
    assert request_id.isdigit()
    rows = reports_env.sql("SELECT source, reporter_email, reporter_name, api_client_id FROM reports")
    assert rows == [("open311", "app.user@example.org", "Ann", 1)]
    assert "token" not in item  # realtime: the id, not a token (the specification returns one of them)
    [(tracking_token,)] = reports_env.sql("SELECT tracking_token FROM reports")
    assert reports_env.client.get(f"{BASE}/tokens/{tracking_token}.json").json() == [
        {"service_request_id": request_id, "token": tracking_token}
    ]


def test_post_errors_use_the_spec_error_list(reports_env: ReportsEnv) -> None:
    assert_errors_json(post(reports_env, api_key=None), 403, "api_key")
    assert_errors_xml(post(reports_env, "xml", api_key="not-a-key"), 403, "api_key")
    assert_errors_json(post(reports_env, service_code=None), 400, "service_code")
    assert_errors_xml(post(reports_env, "xml", service_code="graffiti"), 404, "service_code")
    assert_errors_json(post(reports_env, lat=None, long=None), 400, "location")
    assert_errors_json(post(reports_env, lat="north"), 400, "lat")
    assert_errors_xml(post(reports_env, "xml", lat="51.92", long="4.48"), 400, "not within")
    assert_errors_json(post(reports_env, service_code="hazard"), 400, "hazard_kind")
    assert_errors_json(post(reports_env, email="not-an-address"), 400, "email")
    assert_errors_json(reports_env.client.post(f"{BASE}/requests.csv", data={}), 404, "format")
    assert reports_env.sql("SELECT id FROM reports") == []


def test_revoked_key_is_refused(reports_env: ReportsEnv) -> None:
    with reports_env.events.runtime.transaction() as session:
        client = clients.client_for_key(session, reports_env.api_key)
        assert client is not None
        clients.revoke(session, client)
    assert_errors_json(post(reports_env), 403, "api_key")
    fresh = admin.ensure_api_client("another app", settings=reports_env.settings)
    assert post(reports_env, api_key=fresh).status_code == 201


def test_post_with_address_string_and_attributes(reports_env: ReportsEnv) -> None:
    answer = post(
        reports_env,
        lat=None,
        long=None,
        address_string="Aleksanterinkatu 12, Helsinki",
        service_code="bulky_waste",
        **{"attribute[items][]": "mattress"},
    )
    assert answer.status_code == 201, answer.text
    request_id = answer.json()[0]["service_request_id"]
    item = reports_env.client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    # the public list names the street, not the address as typed (it may be someone's home)
    assert item["address"] == "Aleksanterinkatu"
    assert abs(item["lat"] - 60.171) < 1e-6
    hazard = post(reports_env, service_code="hazard", **{"attribute[hazard_kind]": "needles"})
    assert hazard.status_code == 201
    assert reports_env.sql("SELECT attributes FROM reports WHERE category = 'hazard'")[0][0] in (
        {"hazard_kind": "needles"},
        '{"hazard_kind": "needles"}',
    )
    assert_errors_json(post(reports_env, lat=None, long=None, address_string="Nowhere Road"), 400, "address_string")


def test_get_one_request_in_both_formats_with_notes(reports_env: ReportsEnv) -> None:
    request_id = post(reports_env, description="cans", email="secret@example.org").json()[0]["service_request_id"]
    item = reports_env.client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    spec_fields = {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    assert spec_fields <= set(item)
    assert item["status"] == "open" and item["service_code"] == "litter" and item["description"] == "cans"
    assert datetime.fromisoformat(item["requested_datetime"]).tzinfo is not None
    assert item["notes"][0]["description"] == "report received"
    assert "secret@example.org" not in reports_env.client.get(f"{BASE}/requests/{request_id}.json").text
    root = xml(reports_env.client.get(f"{BASE}/requests/{request_id}.xml"))
    assert root.tag == "service_requests"
    element = root.find("request")
    assert element is not None
    assert spec_fields <= {child.tag for child in element}
    assert element.findtext("service_request_id") == request_id and element.findtext("long") is not None
    assert element.findtext("notes/note/description") == "report received"
    assert_errors_json(reports_env.client.get(f"{BASE}/requests/999.json"), 404, "999")
    assert_errors_xml(reports_env.client.get(f"{BASE}/requests/999.xml"), 404, "999")
    assert_errors_xml(reports_env.client.get(f"{BASE}/tokens/unknown-token.xml"), 404, "tracking")


def test_get_requests_filters_and_defaults(reports_env: ReportsEnv) -> None:
    ids = [post(reports_env, long=str(24.9400 + i * 0.0012)).json()[0]["service_request_id"] for i in range(3)]
    bin_id = post(reports_env, service_code="overflowing_bin").json()[0]["service_request_id"]
    old_id = post(reports_env, service_code="bulky_waste").json()[0]["service_request_id"]
    set_report(reports_env, int(old_id), created_at=datetime.now(UTC) - timedelta(days=120))
    with reports_env.events.runtime.transaction() as session:
        from services.reports.reports import service as reports
        from services.reports.reports.notes import Note

        reports.transition(session, reports.get(session, int(ids[0])), "resolved", Note("swept"), "crew")

    def listed(fmt: str = "json", **params: str) -> list[str]:
        answer = reports_env.client.get(f"{BASE}/requests.{fmt}", params=params)
        assert answer.status_code == 200, answer.text
        if fmt == "xml":
            return [r.findtext("service_request_id") or "" for r in xml(answer).findall("request")]
        return [r["service_request_id"] for r in answer.json()]

    recent = [bin_id, ids[2], ids[1], ids[0]]
    assert listed() == recent  # newest first; the 120-day-old one is outside the default 90 days
    assert listed("xml") == recent
    assert listed(service_request_id=f"{ids[1]},{old_id}") == [ids[1], old_id]  # overrides the date window
    assert listed(service_code="overflowing_bin") == [bin_id]
    assert listed(service_code="litter,overflowing_bin", status="closed") == [ids[0]]
    assert listed(status="open") == [bin_id, ids[2], ids[1]]
    start = (datetime.now(UTC) - timedelta(days=150)).isoformat()
    end = (datetime.now(UTC) - timedelta(days=100)).isoformat()
    assert listed(start_date=start, end_date=end) == [old_id]
    assert listed(page_size="2") == recent[:2]
    assert listed(page_size="2", page="2") == recent[2:]
    assert listed("xml", page_size="3", page="2") == recent[3:]
    items = reports_env.client.get(f"{BASE}/requests.json", params={"extensions": "true"}).json()
    assert [n["summary"] for n in items[-1]["notes"]] == ["open", "resolved"]
    assert_errors_json(reports_env.client.get(f"{BASE}/requests.json", params={"start_date": "yesterday"}), 400, "W3C")
    wide = {"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}
    assert_errors_xml(reports_env.client.get(f"{BASE}/requests.xml", params=wide), 400, "90 days")
    assert_errors_json(reports_env.client.get(f"{BASE}/requests.json", params={"status": "done"}), 400, "status")
    assert reports_env.client.get(f"{BASE}/requests.json", params={"service_code": "x"}).json() == []
    assert_errors_json(reports_env.client.get(f"{BASE}/requests.json", params={"page": "0"}), 400, "page")


def test_open311_post_is_idempotent_per_key(reports_env: ReportsEnv) -> None:
    headers = {"Idempotency-Key": "app-retry-1"}
    data = {"api_key": reports_env.api_key, "service_code": "litter", "lat": "60.17001", "long": "24.941"}
    first = reports_env.client.post(f"{BASE}/requests.xml", data=data, headers=headers)
    again = reports_env.client.post(f"{BASE}/requests.xml", data=data, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert len(reports_env.sql("SELECT id FROM reports")) == 1


def test_unknown_resources_answer_with_the_error_list(reports_env: ReportsEnv) -> None:
    assert_errors_xml(reports_env.client.get(f"{BASE}/nothing.xml"), 404, "not a GeoReport")
    assert_errors_json(reports_env.client.get(f"{BASE}/services.yaml"), 404, "format")
