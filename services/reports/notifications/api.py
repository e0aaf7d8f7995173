"""The unsubscribe link in the reports service's mail."""

from __future__ import annotations

from fastapi import Request

from services.reports.deps import notifier
from services.reports.notifications.service import KINDS, UNSUBSCRIBE_PATH
from streetcare.core.mail import MailOutbox
from streetcare.core.mail_api import unsubscribe_router


def _outbox(request: Request) -> MailOutbox:
    return notifier(request).outbox


def _secret(request: Request) -> str:
    return notifier(request).signing_secret


router = unsubscribe_router(UNSUBSCRIBE_PATH, KINDS, _outbox, _secret)
