"""Idempotency-Key for JSON POSTs that create something: same key, same answer, one object.

The first answer is stored in the same transaction as the object it created, under a unique
(scope, key) constraint, so two racing twins cannot both commit: the loser rolls back (409 from
the IntegrityError handler) and its retry gets the stored answer. A key reused for a different
request is refused rather than silently answered with someone else's result. Scopes keep
callers apart: one volunteer's key never replays another's answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from streetcare.core.db import UTCDateTime, utcnow
from streetcare.core.errors import Unprocessable

IDEMPOTENCY_HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


class IdempotencyMixin:
    """A service's `idempotency_keys` table: the first answer per (scope, key)."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)


def fingerprint_of(route: str, payload: BaseModel | dict[str, Any] | None) -> str:
    data: Any = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else (payload or {})
    raw = json.dumps({"route": route, "body": data}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def checked_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def forget_scope(session: Session, model: type[IdempotencyMixin], scope: str) -> None:
    """Drop a caller's stored answers, e.g. when their account and its personal data are erased."""
    session.execute(delete(model).where(model.scope == scope))


def idempotent(
    request: Request,
    session: Session,
    model: type[IdempotencyMixin],
    scope: str,
    fingerprint: BaseModel | dict[str, Any] | None,
    action: Callable[[], Any],
    status_code: int = 201,
) -> JSONResponse:
    """Run `action` once per Idempotency-Key within `scope`; a repeat gets the first answer."""
    raw_key = request.headers.get(IDEMPOTENCY_HEADER)
    if raw_key is None:
        return JSONResponse(jsonable_encoder(action()), status_code=status_code)
    key = checked_key(raw_key)
    route = f"{request.method} {request.url.path}"
    request_hash = fingerprint_of(route, fingerprint)
    stored = session.scalar(select(model).where(model.scope == scope, model.key == key))
    if stored is not None:
        if stored.request_hash != request_hash:
            raise Unprocessable("this Idempotency-Key was already used for a different request; use a new key")
        return JSONResponse(stored.body, status_code=stored.status_code, headers={REPLAYED_HEADER: "true"})
    body = jsonable_encoder(action())
    session.add(model(scope=scope, key=key, route=route, request_hash=request_hash, status_code=status_code, body=body))
    session.flush()
    return JSONResponse(body, status_code=status_code)
