"""What the reporter is told, and when: only if they gave an email address, never anyone else.

Mail is queued in the reports service's mail outbox in the same transaction as the change and
delivered over SMTP after the commit (kernel.mail), in the reporter's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from kernel.mail import MailKind, MailOutbox, MailTemplates, opt_out_link
from services.reports.categories import service as categories
from services.reports.database import MailOptOut, MailOutboxMessage
from services.reports.settings import LOCAL_BASE_URL, ReportsRuntime

TEMPLATES = MailTemplates(Path(__file__).parent / "templates")
REPORT_UPDATES = MailKind("report.updates", "updates on my reports", "berichten over mijn meldingen")
KINDS = {kind.code: kind for kind in (REPORT_UPDATES,)}
UNSUBSCRIBE_PATH = "/api/v1/reports/mail/unsubscribe"
STATUS_TEMPLATES = {"acknowledged", "scheduled", "resolved", "rejected"}


class Report(Protocol):
    """What a mail about a report says of it (a report of the reports domain has all of it)."""

    @property
    def id(self) -> int: ...
    @property
    def category(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def tracking_token(self) -> str: ...
    @property
    def reporter_email(self) -> str | None: ...
    @property
    def reporter_language(self) -> str | None: ...


@dataclass(frozen=True)
class Notifier:
    outbox: MailOutbox
    public_base_url: str
    signing_secret: str

    @classmethod
    def for_runtime(cls, runtime: ReportsRuntime) -> Notifier:
        """One per process: its mail outbox delivers in a background thread after each commit."""

        def make() -> Notifier:
            settings = runtime.settings
            outbox = MailOutbox.for_process("reports", MailOutboxMessage, MailOptOut, runtime.session_factory, settings)
            return cls(outbox, (settings.public_base_url or LOCAL_BASE_URL).rstrip("/"), settings.token_secret)

        return runtime.kept("notifier", make)

    def tracking_link(self, report: Report) -> str:
        return f"{self.public_base_url}/report#track={report.tracking_token}"

    def received(self, session: Session, report: Report) -> None:
        if report.reporter_email:
            self._send(session, report, "received", None)

    def status_changed(self, session: Session, report: Report, note: str) -> None:
        if report.reporter_email and report.status in STATUS_TEMPLATES:
            self._send(session, report, report.status, note)

    def _send(self, session: Session, report: Report, what: str, note: str | None) -> None:
        assert report.reporter_email is not None
        language = report.reporter_language or "nl"
        category = categories.find(session, report.category)
        category_name = category.name_in(language) if category else report.category
        subject, body = TEMPLATES.render(
            "report_update",
            language,
            {
                "what": what,
                "report_id": report.id,
                "category": category_name,
                "note": note,
                "tracking_link": self.tracking_link(report),
                "unsubscribe_link": opt_out_link(
                    self.public_base_url + UNSUBSCRIBE_PATH,
                    self.signing_secret,
                    report.reporter_email,
                    REPORT_UPDATES.code,
                ),
            },
        )
        self.outbox.queue(session, REPORT_UPDATES, report.reporter_email, language, subject, body)
