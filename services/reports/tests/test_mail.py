"""Mail that arrives: queued with the change, delivered over SMTP to a real server (aiosmtpd), in the
reporter's language, retried when the server is down, never twice, and stopped by the unsubscribe link."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import bearer as token
from conftest import create_database, drop_database, free_port, migrate, service_settings
from kernel.auth import Role
from kernel.mail import caught_mail
from services.reports.notifications.service import REPORT_UPDATES, Notifier
from services.reports.tests.support import ReportsEnv, running_reports
from tests.smtp_catcher import smtp_catcher

DISPATCHER = token(Role.DISPATCHER, "staff:2")


@pytest.fixture
def reports_env(migrated: dict[str, Any], tmp_path: Path) -> Iterator[ReportsEnv]:
    yield from running_reports(migrated, tmp_path)


@pytest.fixture
def committing_reports_env(redis_url: str, pg_admin_url: str | None, tmp_path: Path) -> Iterator[ReportsEnv]:
    """The reports service on a database of its own that really commits: concurrent senders
    need connections of their own, which the tests' shared rolled-back connection cannot give."""
    url = create_database(pg_admin_url, "reports", tmp_path)
    try:
        settings = service_settings("reports", redis_url, url)
        migrate("reports", settings)
        yield from running_reports({"reports": settings}, tmp_path)
    finally:
        drop_database(pg_admin_url, url)


def set_status(env: ReportsEnv, report_id: int, status: str, note: str = "") -> None:
    answer = env.client.post(
        f"/api/v1/reports/reports/{report_id}/status", json={"status": status, "note": note}, headers=DISPATCHER
    )
    assert answer.status_code == 200, answer.text


def test_mail_arrives_in_the_reporters_language(reports_env: ReportsEnv) -> None:
    english = reports_env.client.post(
        "/api/v1/reports/reports",
        json={"category": "litter", "lat": 60.17001, "lon": 24.941, "email": "en@example.org"},
        headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"},
    ).json()
    reports_env.file(email="nl@example.org")
    [to_english] = caught_mail(reports_env.settings.mail_catcher_dir, to="en@example.org")
    [to_dutch] = caught_mail(reports_env.settings.mail_catcher_dir, to="nl@example.org")
    assert to_english.subject == f"Your report {english['id']}: we received it"
    assert to_english.language == "en" and "Follow it here" in to_english.body
    assert to_dutch.language == "nl" and "Volg hem hier" in to_dutch.body and to_dutch.subject.startswith("Uw melding")
    assert english["tracking_token"] in to_english.body
    [row] = reports_env.sql("SELECT id, attempts, sent_at FROM mail_outbox WHERE recipient = 'en@example.org'")
    assert row[1] == 1 and row[2] is not None
    assert to_english.headers["Message-ID"] == f"<{row[0]}@reports.streetcare>"


def test_a_rolled_back_change_sends_nothing(reports_env: ReportsEnv) -> None:
    notifier = Notifier.for_runtime(reports_env.events.runtime)
    with pytest.raises(RuntimeError), reports_env.events.runtime.transaction() as session:
        notifier.outbox.queue(session, REPORT_UPDATES, "rollback@example.org", "en", "subject", "body")
        raise RuntimeError("the change fails")
    assert reports_env.sql("SELECT id FROM mail_outbox WHERE recipient = 'rollback@example.org'") == []
    assert caught_mail(reports_env.settings.mail_catcher_dir, to="rollback@example.org") == []


def test_smtp_down_keeps_the_mail_and_a_later_sweep_delivers_it_once(
    committing_reports_env: ReportsEnv, tmp_path: Path
) -> None:
    reports_env = committing_reports_env
    port = free_port()  # nothing listens here yet: the SMTP server is down
    runtime = reports_env.events.runtime
    live = Notifier.for_runtime(runtime).outbox
    down = replace(live, settings=reports_env.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"}))
    with runtime.transaction() as session:
        mail_id = down.queue(session, REPORT_UPDATES, "later@example.org", "en", "Your report", "body text")
    [row] = reports_env.sql(
        "SELECT attempts, sent_at, next_attempt_at, last_error FROM mail_outbox WHERE id = :i", i=mail_id
    )
    assert row[0] == 1 and row[1] is None and row[3]  # tried after commit, kept with the error
    assert down.deliver().sent == 0  # not due yet: it backs off
    reports_env.sql("UPDATE mail_outbox SET next_attempt_at = :now WHERE id = :i", now=datetime.now(UTC), i=mail_id)
    with smtp_catcher(tmp_path / "late", port=port) as catcher:
        results: list[int] = []
        senders = [threading.Thread(target=lambda: results.append(down.deliver().sent)) for _ in range(4)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        assert sorted(results) == [0, 0, 0, 1]  # four concurrent sweeps, one delivery
        assert down.deliver().sent == 0
        [mail] = catcher.messages(to="later@example.org")
        assert mail.body.strip() == "body text" and mail.headers["Message-ID"] == f"<{mail_id}@reports.streetcare>"
    [row] = reports_env.sql("SELECT attempts, sent_at FROM mail_outbox WHERE id = :i", i=mail_id)
    assert row[0] == 2 and row[1] is not None


def test_unsubscribe_link_stops_that_kind_of_mail(reports_env: ReportsEnv) -> None:
    report = reports_env.file(email="Quiet@Example.org")
    [received] = caught_mail(reports_env.settings.mail_catcher_dir, to="quiet@example.org")
    link = next(line.split(": ", 1)[1] for line in received.body.splitlines() if line.startswith("Geen berichten"))
    parts = urlsplit(link)
    assert parts.netloc == "streetcare.example"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    page = reports_env.client.get(parts.path, params=query)
    assert page.status_code == 200 and "<form method='post'>" in page.text
    forged = reports_env.client.post(parts.path, data={**query, "sig": "x" * 24})
    assert forged.status_code == 403
    assert reports_env.client.post(parts.path, data={**query, "kind": "nope"}).status_code == 404
    done = reports_env.client.post(parts.path, data=query)
    assert done.status_code == 200, done.text
    set_status(reports_env, report["id"], "acknowledged")
    assert len(caught_mail(reports_env.settings.mail_catcher_dir, to="quiet@example.org")) == 1
    assert (
        reports_env.sql(
            "SELECT id FROM mail_outbox WHERE kind = 'report.updates' AND sent_at IS NULL AND failed_at IS NULL"
        )
        == []
    )
