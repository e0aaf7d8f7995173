"""The unsubscribe link every mail carries: a page that asks (so a mail scanner following links
unsubscribes nobody), and the form post that records the opt-out. Each service mounts one."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from kernel.errors import Forbidden, NotFound
from kernel.mail import MailKind, MailOutbox, opt_out_valid
from kernel.service_app import get_session


def _page(title: str, content: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{content}</body></html>"
    )


def unsubscribe_router(
    path: str,
    kinds: Mapping[str, MailKind],
    outbox_of: Callable[[Request], MailOutbox],
    secret_of: Callable[[Request], str],
) -> APIRouter:
    router = APIRouter(tags=["mail"])

    def checked(request: Request, to: str, kind: str, sig: str) -> MailKind:
        if kind not in kinds or not kinds[kind].opt_out:
            raise NotFound(f"no kind of mail {kind!r} to unsubscribe from; the link in the mail names it")
        if not opt_out_valid(secret_of(request), to, kind, sig):
            raise Forbidden("this unsubscribe link is not valid; use the link from the mail as it is")
        return kinds[kind]

    @router.get(path, response_class=HTMLResponse)
    def confirm_page(
        request: Request, to: Annotated[str, Query(min_length=3, max_length=254)], kind: str, sig: str
    ) -> HTMLResponse:
        found = checked(request, to, kind, sig)
        fields = "".join(
            f"<input type='hidden' name='{key}' value='{html.escape(value)}'>"
            for key, value in (("to", to), ("kind", kind), ("sig", sig))
        )
        question = (
            f"No more {html.escape(found.name_en)} to {html.escape(to)}? / Geen {html.escape(found.name_nl)} meer?"
        )
        return _page(
            "Unsubscribe",
            f"<form method='post'>{fields}<p>{question}</p><button type='submit'>Unsubscribe</button></form>",
        )

    @router.post(path, response_class=HTMLResponse)
    def unsubscribe(
        request: Request,
        session: Annotated[Session, Depends(get_session)],
        to: Annotated[str, Form(min_length=3, max_length=254)],
        kind: Annotated[str, Form(max_length=40)],
        sig: Annotated[str, Form(max_length=64)],
    ) -> HTMLResponse:
        found = checked(request, to, kind, sig)
        outbox_of(request).opt_out(session, to, kind)
        return _page("Unsubscribed", f"<p>Done: no more {html.escape(found.name_en)} to {html.escape(to)}.</p>")

    return router
