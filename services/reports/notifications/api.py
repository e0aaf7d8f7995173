"""The unsubscribe link in the reports service's mail, and the notifier routers depend on."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kernel.mail import MailOutbox
from kernel.mail_api import unsubscribe_router
from kernel.service_app import get_runtime
from services.reports.notifications.service import KINDS, UNSUBSCRIBE_PATH, Notifier


def notifier_of(request: Request) -> Notifier:
    found: Notifier = get_runtime(request).extras["notifier"]
    return found


async def notifier(request: Request) -> Notifier:
    """The dependency (a look-up, so on the event loop: see `deps.street_index`)."""
    return notifier_of(request)


NotifierDep = Annotated[Notifier, Depends(notifier)]


def _outbox(request: Request) -> MailOutbox:
    return notifier_of(request).outbox


def _secret(request: Request) -> str:
    return notifier_of(request).signing_secret


router = unsubscribe_router(UNSUBSCRIBE_PATH, KINDS, _outbox, _secret)
