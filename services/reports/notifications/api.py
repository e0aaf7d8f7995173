"""The unsubscribe link in every mail: a page that asks, and the form post that does it."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from services.reports.deps import SessionDep, notifier
from services.reports.notifications.service import KINDS, UNSUBSCRIBE_PATH
from streetcare.core.errors import Forbidden, NotFound
from streetcare.core.mail import opt_out_valid

router = APIRouter(tags=["mail"])
Recipient = Annotated[str, Query(min_length=3, max_length=254)]


def _checked(request: Request, to: str, kind: str, sig: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no kind of mail {kind!r}; the link in the mail names it")
    if not opt_out_valid(notifier(request).signing_secret, to, kind, sig):
        raise Forbidden("this unsubscribe link is not valid; use the link from the mail as it is")
    return KINDS[kind].name_en


@router.get(UNSUBSCRIBE_PATH, response_class=HTMLResponse)
def confirm_page(request: Request, to: Recipient, kind: str, sig: str) -> HTMLResponse:
    """What the link opens: a button, so a mail scanner following links unsubscribes nobody."""
    name = _checked(request, to, kind, sig)
    fields = "".join(
        f"<input type='hidden' name='{key}' value='{html.escape(value)}'>"
        for key, value in (("to", to), ("kind", kind), ("sig", sig))
    )
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Unsubscribe</title></head><body>"
        f"<form method='post'>{fields}<p>No more {html.escape(name)} to {html.escape(to)}?</p>"
        "<button type='submit'>Unsubscribe / Afmelden</button></form></body></html>"
    )


@router.post(UNSUBSCRIBE_PATH, response_class=HTMLResponse)
def unsubscribe(
    request: Request,
    session: SessionDep,
    to: Annotated[str, Form(min_length=3, max_length=254)],
    kind: Annotated[str, Form(max_length=40)],
    sig: Annotated[str, Form(max_length=64)],
) -> HTMLResponse:
    name = _checked(request, to, kind, sig)
    notifier(request).outbox.opt_out(session, to, kind)
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Unsubscribed</title></head><body>"
        f"<p>Done: no more {html.escape(name)} to {html.escape(to)}.</p></body></html>"
    )
