"""The demo mailbox: only in demo mode and only for admins, so a reset link can be followed
without a mail server, yet nobody reads another person's mail (a reset link takes over an account).

It reads what `make run`'s local SMTP catcher (aiosmtpd) received: every service's mail goes out over
SMTP from its outbox (kernel.mail), so the catcher holds all of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from kernel.auth import Role, require_roles
from kernel.errors import NotFound
from kernel.mail import caught_mail
from kernel.service_app import settings_of
from services.volunteers.mail.schemas import MailOut
from services.volunteers.settings import VolunteersSettings

router = APIRouter(prefix="/api/v1/volunteers", tags=["mail"])


def demo_mode_only(request: Request) -> None:
    if not settings_of(request, VolunteersSettings).demo_mode:
        raise NotFound("the demo mailbox exists only in demo mode", code="demo_only")


@router.get(
    "/demo/mailbox",
    response_model=list[MailOut],
    dependencies=[Depends(demo_mode_only), Depends(require_roles(Role.ADMIN))],
)
def demo_mailbox(request: Request, to: Annotated[str, Query(min_length=3, max_length=254)]) -> list[MailOut]:
    caught = caught_mail(settings_of(request, VolunteersSettings).mail_catcher_dir, to=to, limit=20)
    return [MailOut.model_validate(m) for m in caught]
