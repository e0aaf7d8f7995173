"""The unsubscribe link in the volunteers service's mail."""

from __future__ import annotations

from fastapi import Request

from kernel.mail import MailOutbox
from kernel.mail_api import unsubscribe_router
from kernel.service_app import get_runtime
from services.volunteers.mail.outbox import KINDS, UNSUBSCRIBE_PATH, outbox_for
from services.volunteers.settings import VolunteersSettings


def _outbox(request: Request) -> MailOutbox:
    return outbox_for(get_runtime(request, VolunteersSettings))


def _secret(request: Request) -> str:
    return get_runtime(request, VolunteersSettings).settings.token_secret


router = unsubscribe_router(UNSUBSCRIBE_PATH, KINDS, _outbox, _secret)
