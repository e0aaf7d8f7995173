"""A production install's first day, without the demo: the first admin, Open311 keys (CLI and API),
and discovery's `key_service` pointing where a client developer asks for a key."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kernel.auth import INTERNAL_CALLER_HEADER, InternalCaller, Role, internal_caller_credential
from services.reports.tests.support import ReportsEnv, open311_form, running_reports
from services.scheduling.app import create_app as create_scheduling_app
from streetcare.testing import SERVICE_HEADERS, TEST_SERVICE_TOKEN, base_environment
from streetcare.testing import bearer as token


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


def streetcare(
    migrated: dict[str, Any], tmp_path: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The real `streetcare` command, on the test databases, with no demo mode."""
    urls = {service: settings.database_url for service, settings in migrated.items()}
    env = base_environment(migrated["reports"].redis_url, urls, tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "streetcare.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def login(migrated: dict[str, Any], email: str, password: str) -> Any:
    with TestClient(create_scheduling_app(migrated["scheduling"]), headers=SERVICE_HEADERS) as client:
        caller = internal_caller_credential(TEST_SERVICE_TOKEN, InternalCaller.GATEWAY_LOGIN)
        return client.post(
            "/internal/auth/verify",
            json={"email": email, "password": password},
            headers={INTERNAL_CALLER_HEADER: caller},
        )


def test_create_the_first_admin_with_the_password_on_stdin(migrated: dict[str, Any], tmp_path: Path) -> None:
    done = streetcare(
        migrated, tmp_path, "admin", "create-user", "--email", "Chief@City.example", stdin="s3cret-enough\n"
    )
    assert done.returncode == 0, done.stderr
    answer = login(migrated, "chief@city.example", "s3cret-enough")
    assert answer.status_code == 200, answer.text
    assert answer.json()["role"] == "admin"
    assert login(migrated, "chief@city.example", "wrong-password").status_code == 401


def test_create_user_refuses_a_short_password_and_a_bad_email(migrated: dict[str, Any], tmp_path: Path) -> None:
    short = streetcare(migrated, tmp_path, "admin", "create-user", "--email", "a@city.example", stdin="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert login(migrated, "a@city.example", "short").status_code == 401
    bad = streetcare(migrated, tmp_path, "admin", "create-user", "--email", "not-an-email", stdin="long-enough-pw\n")
    assert bad.returncode == 2 and "error:" in bad.stderr


def test_the_password_is_never_an_argument(migrated: dict[str, Any], tmp_path: Path) -> None:
    done = streetcare(migrated, tmp_path, "admin", "create-user", "--email", "a@city.example", "--password", "x" * 12)
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr


def test_open311_keys_issue_list_revoke_from_the_cli(
    migrated: dict[str, Any], tmp_path: Path, reports_env: ReportsEnv
) -> None:
    issued = streetcare(migrated, tmp_path, "open311-keys", "issue", "--name", "Fixi app")
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.strip()
    assert len(key) >= 24 and "\n" not in key
    form = open311_form(key)
    assert reports_env.client.post("/open311/v2/requests.json", data=form).status_code == 201

    listed = streetcare(migrated, tmp_path, "open311-keys", "list")
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    fixi = next(row for row in rows if row[1] == "Fixi app")
    assert key not in listed.stdout  # only the hash is kept

    revoked = streetcare(migrated, tmp_path, "open311-keys", "revoke", fixi[0])
    assert revoked.returncode == 0, revoked.stderr
    answer = reports_env.client.post("/open311/v2/requests.json", data=form)
    assert answer.status_code == 403
    assert "Fixi app" not in streetcare(migrated, tmp_path, "open311-keys", "list").stdout
    assert "revoked" in streetcare(migrated, tmp_path, "open311-keys", "list", "--all").stdout
    unknown = streetcare(migrated, tmp_path, "open311-keys", "revoke", "9999")
    assert unknown.returncode == 2 and "no Open311 client with id 9999" in unknown.stderr


def test_admins_manage_open311_keys_in_the_api(reports_env: ReportsEnv) -> None:
    client, admin = reports_env.client, token(Role.ADMIN)
    assert (
        client.post("/api/v1/reports/open311-keys", json={"name": "x"}, headers=token(Role.DISPATCHER)).status_code
        == 403
    )
    assert client.get("/api/v1/reports/open311-keys").status_code == 401
    created = client.post("/api/v1/reports/open311-keys", json={"name": "Open source app"}, headers=admin)
    assert created.status_code == 201, created.text
    key, client_id = created.json()["api_key"], created.json()["id"]
    listed = client.get("/api/v1/reports/open311-keys", headers=admin).json()
    assert any(row["id"] == client_id and row["name"] == "Open source app" for row in listed)
    assert all("api_key" not in row for row in listed)
    form = open311_form(key)
    assert client.post("/open311/v2/requests.json", data=form).status_code == 201
    revoked = client.delete(f"/api/v1/reports/open311-keys/{client_id}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.post("/open311/v2/requests.json", data=form).status_code == 403
    assert client.delete("/api/v1/reports/open311-keys/424242", headers=admin).status_code == 404
    assert client.post("/api/v1/reports/open311-keys", json={"name": "  "}, headers=admin).status_code == 422


def test_discovery_key_service_points_at_the_key_page(reports_env: ReportsEnv) -> None:
    key_service = reports_env.client.get("/open311/v2/discovery.json").json()["key_service"]
    assert key_service == "https://streetcare.example/open311/v2/api-keys.html"
    page = reports_env.client.get("/open311/v2/api-keys.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert reports_env.settings.open311_contact.split("(")[0].strip() in page.text
    configured = reports_env.settings.model_copy(update={"open311_key_service": "https://city.example/open311-key"})
    from services.reports.app import create_app

    with TestClient(create_app(configured), headers=SERVICE_HEADERS) as other:
        assert other.get("/open311/v2/discovery.json").json()["key_service"] == "https://city.example/open311-key"
