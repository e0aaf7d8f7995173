"""Telling reporters what happened: a small mail interface, and a file-folder implementation.

The folder mailer writes one RFC 5322 `.eml` file per message (what a local SMTP pickup directory
or a test reads); a real SMTP or API mailer only has to implement `Mailer.send`.
Mail is sent after the change commits, so a rolled-back change never tells anyone anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

import structlog
from sqlalchemy import event
from sqlalchemy.orm import Session

log = structlog.get_logger(__name__)
PENDING_MAIL_KEY = "reports.pending_mail"
LISTENING_KEY = "reports.mail_listening"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


class FolderMailer:
    def __init__(self, folder: Path | str, sender: str) -> None:
        self.folder = Path(folder)
        self.sender = sender

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain="streetcare.example")
        message.set_content(mail.body)
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / (name + ".tmp")
        temporary.write_bytes(message.as_bytes())
        temporary.rename(self.folder / name)  # readers never see half a message


def send_after_commit(session: Session, mailer: Mailer, mail: Mail) -> None:
    """Queue a mail on the session; it is sent once the transaction commits, dropped on rollback."""
    if not session.info.get(LISTENING_KEY):
        session.info[LISTENING_KEY] = True
        event.listen(session, "after_commit", _deliver)
        event.listen(session, "after_soft_rollback", _forget)
    session.info.setdefault(PENDING_MAIL_KEY, []).append((mailer, mail))


def _deliver(session: Session) -> None:
    for mailer, mail in session.info.pop(PENDING_MAIL_KEY, []):
        try:
            mailer.send(mail)
        except Exception as exc:  # a mail problem never undoes a committed change
            log.warning("mail.failed", error=repr(exc))


def _forget(session: Session, _previous_transaction: object) -> None:
    session.info.pop(PENDING_MAIL_KEY, None)
