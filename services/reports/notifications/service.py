"""What the reporter is told, and when: only if they gave an email address, never anyone else."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.reports.notifications.mailer import FolderMailer, Mail, Mailer, send_after_commit
from services.reports.reports.categories import CATEGORIES
from services.reports.reports.models import Report
from services.reports.settings import ReportsSettings

STATUS_WORDS = {
    "acknowledged": ("we have seen your report", "we hebben uw melding gezien"),
    "scheduled": ("a crew is scheduled to clean it", "een ploeg is ingepland om het op te ruimen"),
    "resolved": ("a city crew cleaned it up", "een ploeg van de gemeente heeft het opgeruimd"),
    "rejected": ("we will not act on it", "we ondernemen er geen actie op"),
}


@dataclass(frozen=True)
class Notifier:
    mailer: Mailer
    public_base_url: str

    @classmethod
    def from_settings(cls, settings: ReportsSettings) -> Notifier:
        return cls(FolderMailer(settings.mail_dir, settings.mail_from), settings.public_base_url.rstrip("/"))

    def tracking_link(self, report: Report) -> str:
        return f"{self.public_base_url}/report#track={report.tracking_token}"

    def received(self, session: Session, report: Report) -> None:
        if report.reporter_email:
            self._send(session, report, "We received your report / We hebben uw melding ontvangen", None)

    def status_changed(self, session: Session, report: Report, note: str) -> None:
        if report.reporter_email and report.status in STATUS_WORDS:
            self._send(session, report, f"Your report: {STATUS_WORDS[report.status][0]}", note)

    def _send(self, session: Session, report: Report, subject: str, note: str | None) -> None:
        assert report.reporter_email is not None
        category = CATEGORIES.get(report.category)
        name = category.name_en if category else report.category
        name_nl = category.name_nl if category else report.category
        words = STATUS_WORDS.get(report.status, ("we received it", "we hebben het ontvangen"))
        lines = [
            f"Your report {report.id} ({name}): {words[0]}.",
            f"Uw melding {report.id} ({name_nl}): {words[1]}.",
        ]
        if note:
            lines += ["", note]
        lines += [
            "",
            f"Follow it here / Volg het hier: {self.tracking_link(report)}",
            "",
            "You get this mail because you left your address with the report. It is erased after the retention period.",
        ]
        send_after_commit(session, self.mailer, Mail(report.reporter_email, subject, "\n".join(lines)))
