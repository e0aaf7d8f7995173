"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what it receives in a Maildir
(exactly what `make run`'s catcher does)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from kernel.mail import CaughtMail, caught_mail
from streetcare.local import free_port


@dataclass
class SmtpCatcher:
    url: str
    maildir: Path
    controller: Controller

    def messages(self, to: str | None = None) -> list[CaughtMail]:
        return caught_mail(self.maildir, to=to, limit=1000)

    def stop(self) -> None:
        self.controller.stop()


@contextmanager
def smtp_catcher(maildir: Path, port: int | None = None) -> Iterator[SmtpCatcher]:
    port = port or free_port()
    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpCatcher(f"smtp://127.0.0.1:{port}", maildir, controller)
    finally:
        controller.stop()
