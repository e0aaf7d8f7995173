"""Idempotency-Key on the reports service's creating POSTs, by the kernel's implementation
(kernel.idempotency): the same key within one scope always gets the first answer, as it
was sent (JSON or Open311's XML), and one report."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kernel.idempotency import StoredAnswer, checked_key, run_once
from kernel.service_app import get_runtime
from services.reports.idempotency.models import IdempotencyRecord


def answer_once(
    request: Request,
    scope: str,
    key: str | None,
    fingerprint: str,
    produce: Callable[[Session], StoredAnswer],
) -> Response:
    """Run `produce` in a transaction of its own, once per (scope, key); a retry gets the stored answer."""
    with get_runtime(request).transaction() as session:
        if key is None:
            return produce(session).response()
        route = f"{request.method} {request.url.path}"
        answer, replayed = run_once(
            session, IdempotencyRecord, scope, checked_key(key), route, fingerprint, lambda: produce(session)
        )
        return answer.response(replayed)
