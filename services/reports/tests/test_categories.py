"""Categories are data (issue 17): the admin manages them, residents and Open311 apps read them in their
language, reports are checked against them, and a new response target applies to new reports only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kernel.auth import Role
from services.reports.tests.support import ON_STREET_1, ReportsEnv, open311_form, running_reports

URL = "/api/v1/reports/categories"
OPEN311 = "/open311/v2"


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


def admin(env: ReportsEnv, language: str = "en") -> dict[str, str]:
    return {**env.token(Role.ADMIN, "staff:99"), "Accept-Language": language}


def graffiti(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "graffiti",
        "name_en": "Graffiti",
        "name_nl": "Graffiti op muur",
        "description_en": "Paint or tags on walls, benches or signs.",
        "description_nl": "Verf of tags op muren, bankjes of borden.",
        "severity": 1,
        "response_working_days": 5,
        "crew_mode": "foot",
        "cleans_street": False,
        "keywords": ["tag", "paint"],
        "attributes": [
            {
                "code": "surface",
                "datatype": "singlevaluelist",
                "required": True,
                "description_en": "Where is it?",
                "description_nl": "Waar zit het?",
                "values": [
                    {"key": "wall", "name_en": "Wall", "name_nl": "Muur"},
                    {"key": "bench", "name_en": "Bench", "name_nl": "Bankje"},
                ],
            }
        ],
    }
    body.update(overrides)
    return body


def open311_codes(env: ReportsEnv) -> list[str]:
    return [s["service_code"] for s in env.client.get(f"{OPEN311}/services.json").json()]


def test_seeded_categories_in_the_askers_language(reports_env: ReportsEnv) -> None:
    dutch = {c["code"]: c for c in reports_env.client.get(URL, params={"lang": "nl"}).json()}
    assert list(dutch) == ["litter", "bulky_waste", "overflowing_bin", "hazard"]
    assert dutch["litter"]["name"] == "Zwerfafval" and dutch["litter"]["response_working_days"] == 3
    assert dutch["hazard"]["attributes"][0]["description"] == "Wat voor gevaar is het?"
    assert {"key": "glass", "name": "Gebroken glas"} in dutch["hazard"]["attributes"][0]["values"]
    english = {c["code"]: c for c in reports_env.client.get(URL, headers={"Accept-Language": "en-GB"}).json()}
    assert english["hazard"]["name"] == "Needles or hazardous waste"
    assert english["hazard"]["attributes"][0]["description"] == "What kind of hazard is it?"
    assert english["bulky_waste"]["severity"] == 3 and english["hazard"]["severity"] == 5


def test_only_an_admin_manages_categories(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    for role in (Role.DISPATCHER, Role.INSPECTOR, Role.VOLUNTEER):
        headers = reports_env.token(role, "staff:2")
        assert client.post(URL, json=graffiti(), headers=headers).status_code == 403
        assert client.patch(f"{URL}/litter", json={"severity": 4}, headers=headers).status_code == 403
        assert client.put(f"{URL}/litter", json=graffiti(), headers=headers).status_code == 403
        assert client.delete(f"{URL}/litter", headers=headers).status_code == 403
        assert client.get(f"{URL}/all", headers=headers).status_code == 403
    assert client.post(URL, json=graffiti()).status_code == 401
    assert "graffiti" not in [c["code"] for c in client.get(URL).json()]

    created = client.post(URL, json=graffiti(), headers=admin(reports_env))
    assert created.status_code == 201, created.text
    assert created.json()["retired"] is False and created.json()["reports"] == 0
    listed = {c["code"]: c for c in client.get(f"{URL}/all", headers=admin(reports_env)).json()}
    assert listed["graffiti"]["name_nl"] == "Graffiti op muur"
    assert listed["graffiti"]["attributes"][0]["values"][1] == {"key": "bench", "name_en": "Bench", "name_nl": "Bankje"}


@pytest.mark.parametrize(
    "overrides, english, dutch, code, field",
    [
        ({"code": "Graffiti!"}, "lowercase letters", "kleine letters", "code_format", "code"),
        ({"name_nl": "  "}, "name_nl is required", "name_nl is verplicht", "name_required", "name_nl"),
        ({"severity": 9}, "severity must be 1", "ernst moet 1", "severity_range", "severity"),
        (
            {"response_working_days": -1},
            "0 to 60 working days",
            "0 tot 60 werkdagen",
            "target_range",
            "response_working_days",
        ),
        ({"crew_mode": "boat"}, "crew_mode must be one of", "crew_mode moet een van", "crew_mode", "crew_mode"),
        (
            {
                "attributes": [
                    {
                        "code": "surface",
                        "datatype": "singlevaluelist",
                        "description_en": "Where?",
                        "description_nl": "Waar?",
                    }
                ]
            },
            "give at least one answer",
            "geef minstens één antwoord",
            "values_needed",
            "attributes.0.values",
        ),
        (
            {"attributes": [{"code": "size", "datatype": "colour", "description_en": "Size?", "description_nl": "?"}]},
            "datatype must be one of",
            "datatype moet een van",
            "datatype",
            "attributes.0.datatype",
        ),
        (
            {"attributes": [{"code": "size", "datatype": "number", "description_en": "Size?", "description_nl": ""}]},
            "in Dutch and in English",
            "in het Nederlands en in het Engels",
            "question_text",
            "attributes.0.description_nl",
        ),
    ],
)
def test_a_bad_category_is_refused_with_a_reason_in_the_askers_language(
    reports_env: ReportsEnv, overrides: dict[str, Any], english: str, dutch: str, code: str, field: str
) -> None:
    """`detail` in the asker's language for API clients; a code, its params and the field it is about
    for the dispatch page, which says it from the one catalogue beside that field."""
    for language, fragment in (("en", english), ("nl", dutch)):
        answer = reports_env.client.post(URL, json=graffiti(**overrides), headers=admin(reports_env, language))
        assert answer.status_code == 422, answer.text
        assert fragment in answer.json()["detail"]
        assert (answer.json()["code"], answer.json()["params"]["field"]) == (code, field)
    assert "graffiti" not in [c["code"] for c in reports_env.client.get(URL).json()]


def test_conflicts_and_unknown_codes(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    taken = client.post(URL, json=graffiti(code="litter"), headers=admin(reports_env, "nl"))
    assert taken.status_code == 409 and "bestaat al" in taken.json()["detail"]
    assert taken.json()["code"] == "code_taken" and taken.json()["params"] == {"code": "litter", "field": "code"}
    missing = client.patch(f"{URL}/nothing_here", json={"severity": 2}, headers=admin(reports_env))
    assert missing.status_code == 404 and "no category 'nothing_here'" in missing.json()["detail"]
    assert (missing.json()["code"], missing.json()["params"]) == ("not_found", {"code": "nothing_here"})
    assert client.patch(f"{URL}/litter", json={"severity": "very"}, headers=admin(reports_env)).status_code == 422


def test_a_new_category_is_offered_to_open311_apps_and_a_retired_one_vanishes(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    assert "graffiti" not in open311_codes(reports_env)
    assert client.post(URL, json=graffiti(), headers=admin(reports_env)).status_code == 201

    services = {s["service_code"]: s for s in client.get(f"{OPEN311}/services.json", params={"locale": "nl"}).json()}
    assert services["graffiti"]["service_name"] == "Graffiti op muur" and services["graffiti"]["metadata"] is True
    assert services["graffiti"]["keywords"] == "tag,paint"
    definition = client.get(f"{OPEN311}/services/graffiti.json", headers={"Accept-Language": "nl"}).json()
    assert definition["attributes"][0]["description"] == "Waar zit het?"
    assert definition["attributes"][0]["required"] is True
    graffiti_request = open311_form(reports_env.api_key, service_code="graffiti", **{"attribute[surface]": "bench"})
    filed = client.post(f"{OPEN311}/requests.json", data=graffiti_request)
    assert filed.status_code == 201, filed.text

    retired = client.patch(f"{URL}/graffiti", json={"retired": True}, headers=admin(reports_env))
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert "graffiti" not in open311_codes(reports_env)
    assert "graffiti" not in [c["code"] for c in client.get(URL).json()]
    gone = client.get(f"{OPEN311}/services/graffiti.json")
    assert gone.status_code == 404 and "retired" in gone.json()[0]["description"]
    refused = client.post(f"{OPEN311}/requests.json", data=graffiti_request)
    assert refused.status_code == 404 and "no longer accepts" in refused.json()[0]["description"]
    on_page = client.post(
        "/api/v1/reports/reports",
        json={"category": "graffiti", "lat": ON_STREET_1[0], "lon": ON_STREET_1[1], "attributes": {"surface": "wall"}},
        headers={"Accept-Language": "nl"},
    )
    assert on_page.status_code == 422 and "opgeheven" in on_page.json()["detail"]
    # the report filed before keeps its category: listed, named, and the category can only be retired
    listed = client.get(f"{OPEN311}/requests.json", params={"service_code": "graffiti"}).json()
    assert [r["service_name"] for r in listed] == ["Graffiti"]
    in_use = client.delete(f"{URL}/graffiti", headers=admin(reports_env))
    assert in_use.status_code == 409 and "retire it instead" in in_use.json()["detail"]
    assert in_use.json()["code"] == "in_use" and in_use.json()["params"]["count"] >= 1

    offered_again = client.patch(f"{URL}/graffiti", json={"retired": False}, headers=admin(reports_env))
    assert offered_again.status_code == 200 and "graffiti" in open311_codes(reports_env)


def test_an_unused_category_can_be_deleted(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    assert client.post(URL, json=graffiti(code="grafitti"), headers=admin(reports_env)).status_code == 201
    assert client.delete(f"{URL}/grafitti", headers=admin(reports_env)).status_code == 204
    assert "grafitti" not in open311_codes(reports_env)
    assert client.delete(f"{URL}/grafitti", headers=admin(reports_env)).status_code == 404


def test_reports_answer_the_stored_questions(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    assert client.post(URL, json=graffiti(), headers=admin(reports_env)).status_code == 201
    body = {"category": "graffiti", "lat": ON_STREET_1[0], "lon": ON_STREET_1[1]}
    unanswered = client.post("/api/v1/reports/reports", json=body, headers={"Accept-Language": "nl"})
    assert unanswered.status_code == 422 and "Waar zit het?" in unanswered.json()["detail"]
    wrong = client.post("/api/v1/reports/reports", json={**body, "attributes": {"surface": "roof"}})
    assert wrong.status_code == 422 and "'roof' is not one of bench, wall" in wrong.json()["detail"]
    unknown = client.post("/api/v1/reports/reports", json={**body, "category": "graffity"})
    assert unknown.status_code == 422 and "unknown category 'graffity'" in unknown.json()["detail"]
    assert "graffiti" in unknown.json()["detail"]  # the choices come from the stored categories
    filed = reports_env.file(category="graffiti", attributes={"surface": "wall"})
    staff = client.get(f"/api/v1/reports/reports/{filed['id']}", headers=reports_env.token(Role.DISPATCHER)).json()
    assert staff["severity"] == 1 and staff["attributes"] == {"surface": "wall"}
    assert staff["category_name"] == "Graffiti" and staff["category_name_nl"] == "Graffiti op muur"

    # the question changes: new reports answer the new one
    changed = client.patch(
        f"{URL}/graffiti",
        json={
            "severity": 2,
            "attributes": [
                {"code": "area_m2", "datatype": "number", "description_en": "How big?", "description_nl": "Hoe groot?"}
            ],
        },
        headers=admin(reports_env),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name_nl"] == "Graffiti op muur"  # what was not sent stays
    not_a_number = client.post("/api/v1/reports/reports", json={**body, "attributes": {"area_m2": "big"}})
    assert not_a_number.status_code == 422 and "must be a number" in not_a_number.json()["detail"]
    assert reports_env.file(category="graffiti", attributes={"area_m2": "2"}, lat=60.17101)["status"] == "open"


def test_a_new_response_target_applies_to_new_reports_only(reports_env: ReportsEnv) -> None:
    client = reports_env.client
    before = reports_env.file(category="hazard", attributes={"hazard_kind": "glass"})
    target = client.patch(f"{URL}/hazard", json={"response_working_days": 10}, headers=admin(reports_env))
    assert target.status_code == 200 and target.json()["response_working_days"] == 10
    assert target.json()["reports"] == 1
    after = reports_env.file(category="hazard", attributes={"hazard_kind": "needles"}, lat=60.17101)

    def due(report: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(report["due_at"])

    def filed(report: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(report["created_at"])

    assert 1 <= (due(before) - filed(before)).days <= 3  # one working day (over a weekend at most three)
    assert 12 <= (due(after) - filed(after)).days <= 14  # ten working days (filed on a weekend: 12 or 13)
    tracked = client.get(f"/api/v1/reports/track/{before['tracking_token']}").json()
    assert due(tracked) == due(before)  # the report filed before keeps the target it was filed under
    assert [c["response_working_days"] for c in client.get(URL).json() if c["code"] == "hazard"] == [10]
