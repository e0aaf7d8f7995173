"""Sending mail through a small interface; the default writes RFC 5322 `.eml` files to a folder.

Production wires an SMTP implementation of `Mailer`; the demo and the tests read the folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path
from typing import Protocol

SENDER = "Streetcare <no-reply@streetcare.example>"


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class StoredMail:
    id: str
    to: str
    subject: str
    body: str
    sent_at: datetime


class FolderMailer:
    """Writes each message as `<timestamp>-<id>.eml` under a folder (the demo mailbox)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, to: str, subject: str, body: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        message = EmailMessage()
        message["From"] = SENDER
        message["To"] = to
        message["Subject"] = subject
        now = datetime.now(UTC)
        message["Date"] = format_datetime(now)
        message_id = make_msgid(domain="streetcare.example")
        message["Message-ID"] = message_id
        message.set_content(body, cte="8bit")
        safe_id = re.sub(r"[^A-Za-z0-9]", "", message_id)[:40]
        name = f"{now.strftime('%Y%m%dT%H%M%S%f')}-{safe_id}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        temporary.replace(self.folder / name)

    def messages(self, to: str | None = None, limit: int = 50) -> list[StoredMail]:
        """Newest first; only the messages to `to` when given."""
        if not self.folder.is_dir():
            return []
        found: list[StoredMail] = []
        for path in sorted(self.folder.glob("*.eml"), reverse=True):
            parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            recipient = str(parsed["To"] or "")
            if to is not None and recipient.strip().lower() != to.strip().lower():
                continue
            part = parsed.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else ""
            found.append(
                StoredMail(
                    id=path.stem,
                    to=recipient,
                    subject=str(parsed["Subject"] or ""),
                    body=str(body),
                    sent_at=parsedate_to_datetime(str(parsed["Date"])),
                )
            )
            if len(found) >= limit:
                break
        return found


def mailer_for(mail_dir: str) -> FolderMailer:
    return FolderMailer(Path(mail_dir))
