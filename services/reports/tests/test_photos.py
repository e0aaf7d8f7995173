"""Photos that survive restarts and replicas: in the service's database by default (PostgreSQL and
SQLite), or in an S3-compatible store (here moto's S3 server, the one the registries offer)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from conftest import SERVICE_HEADERS, create_database, drop_database, free_port
from services.reports import admin
from services.reports.app import create_app
from services.reports.tests.support import ReportsEnv, jpeg_with_gps, running_reports


def upload_then_read_elsewhere(env: ReportsEnv) -> tuple[dict[str, Any], bytes]:
    """Upload through one replica, read it through another started afterwards (a restart, a second pod)."""
    stored = env.client.post("/api/v1/reports/photos", files={"photo": ("p.jpg", jpeg_with_gps(), "image/jpeg")})
    assert stored.status_code == 201, stored.text
    body = stored.json()
    first = env.client.get(body["url"])
    assert first.status_code == 200
    with TestClient(create_app(env.settings), headers=SERVICE_HEADERS) as other_replica:
        again = other_replica.get(body["url"])
        thumbnail = other_replica.get(body["thumbnail_url"])
    assert again.status_code == 200 and again.content == first.content
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/jpeg"
    return body, first.content


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_photos_live_in_the_database_by_default(
    database: str, migrated: dict[str, Any], tmp_path: Path, pg_admin_url: str | None
) -> None:
    if database == "postgresql" and pg_admin_url is None:
        pytest.skip("no PostgreSQL server answers")
    url = create_database(pg_admin_url if database == "postgresql" else None, "reports", tmp_path)
    settings = migrated["reports"].model_copy(update={"database_url": url})
    assert settings.photo_storage == "database"
    admin.migrate(settings)
    try:
        env_iter = running_reports({**migrated, "reports": settings}, tmp_path)
        env = next(env_iter)
        try:
            body, content = upload_then_read_elsewhere(env)
            [(size,)] = env.sql("SELECT length(data) FROM photo_blobs WHERE name = :n", n=f"{body['id']}.jpg")
            assert size == len(content)
            assert not (tmp_path / "photos").exists() or not any((tmp_path / "photos").iterdir())  # nothing on disk
        finally:
            env_iter.close()
    finally:
        drop_database(pg_admin_url, url)


@pytest.fixture
def s3_server(tmp_path: Path) -> Iterator[str]:
    """moto's S3-compatible server on a free loopback port."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_photos_in_an_s3_compatible_store(s3_server: str, migrated: dict[str, Any], tmp_path: Path) -> None:
    keys = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **keys)
    s3.create_bucket(Bucket="city-photos")
    settings = migrated["reports"].model_copy(
        update={
            "photo_storage": "s3",
            "photo_s3_bucket": "city-photos",
            "photo_s3_endpoint_url": s3_server,
            "photo_s3_access_key_id": keys["aws_access_key_id"],
            "photo_s3_secret_access_key": keys["aws_secret_access_key"],
        }
    )
    env_iter = running_reports({**migrated, "reports": settings}, tmp_path)
    env = next(env_iter)
    try:
        body, content = upload_then_read_elsewhere(env)
        stored = s3.get_object(Bucket="city-photos", Key=f"reports/photos/{body['id']}.jpg")["Body"].read()
        assert stored == content
        assert env.sql("SELECT name FROM photo_blobs") == []  # not in the database
        assert env.client.get(body["url"].replace(body["id"], "0" * len(body["id"]))).status_code == 404
    finally:
        env_iter.close()


def test_photos_an_older_install_wrote_to_disk_are_still_served(migrated: dict[str, Any], tmp_path: Path) -> None:
    env_iter = running_reports(migrated, tmp_path)
    env = next(env_iter)
    try:
        body, content = upload_then_read_elsewhere(env)
        env.sql("DELETE FROM photo_blobs")  # as if it had been stored on disk before the upgrade
        assert env.client.get(body["url"]).status_code == 404
        (tmp_path / "photos").mkdir(exist_ok=True)
        (tmp_path / "photos" / f"{body['id']}.jpg").write_bytes(content)
        assert env.client.get(body["url"]).content == content
    finally:
        env_iter.close()
