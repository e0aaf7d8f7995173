"""Idempotency-Key for POSTs that create something: same key, same answer, one object.

The key is claimed before the work is done: a row under a unique (scope, key) constraint is
written in the caller's transaction, and the answer is stored in it with the work. A twin sent
while the first is at work waits at that constraint (PostgreSQL; SQLite: for the write lock);
when the first commits, the twin's claim fails, its transaction is rolled back and it answers
with the winner's stored answer, marked replayed: both get the same body, and there is one
object. When the first fails, nothing was stored and the twin does the work itself. A key reused
for a different request is refused rather than silently answered with someone else's result.
Scopes keep callers apart: one volunteer's key never replays another's answer.

Every service keeps its answers in an `idempotency_keys` table made from `IdempotencyMixin`;
`idempotent` serves a JSON route on the request's session, `run_once` any answer (Open311's XML
too) on a session the caller holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import JSON, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from kernel.db import UTCDateTime, utcnow
from kernel.errors import Unprocessable

IDEMPOTENCY_HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
JSON_MEDIA_TYPE = "application/json"


class IdempotencyMixin:
    """A service's `idempotency_keys` table: the first answer per (scope, key), as it was sent."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[Any] = mapped_column(JSON)  # {"text": …}: the response body as sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)


@dataclass(frozen=True)
class StoredAnswer:
    """An answer as it was sent: status, media type and body text."""

    status_code: int
    media_type: str
    text: str

    def response(self, replayed: bool = False) -> Response:
        headers = {REPLAYED_HEADER: "true"} if replayed else None
        return Response(self.text, status_code=self.status_code, media_type=self.media_type, headers=headers)


def fingerprint_of(route: str, payload: BaseModel | dict[str, Any] | None) -> str:
    data: Any = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else (payload or {})
    raw = json.dumps({"route": route, "body": data}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def request_hash(*parts: bytes | str) -> str:
    """A fingerprint of a request made of parts (e.g. its format and its sorted form fields)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def checked_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def forget_scope(session: Session, model: type[IdempotencyMixin], scope: str) -> None:
    """Drop a caller's stored answers, e.g. when their account and its personal data are erased."""
    session.execute(delete(model).where(model.scope == scope))


def _stored(
    session: Session, model: type[IdempotencyMixin], scope: str, key: str, fingerprint: str
) -> StoredAnswer | None:
    row = session.scalar(select(model).where(model.scope == scope, model.key == key))
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Unprocessable("this Idempotency-Key was already used for a different request; use a new key")
    return StoredAnswer(row.status_code, row.media_type, str(row.body["text"]))


def run_once(
    session: Session,
    model: type[IdempotencyMixin],
    scope: str,
    key: str,
    route: str,
    fingerprint: str,
    produce: Callable[[], StoredAnswer],
) -> tuple[StoredAnswer, bool]:
    """Do `produce` once per (scope, key) in the session's transaction; returns the answer and
    whether it was replayed. Call it before the transaction writes anything: a twin that lost
    the race rolls the transaction back before it reads the winner's answer."""
    found = _stored(session, model, scope, key, fingerprint)
    if found is not None:
        return found, True
    claim = model(scope=scope, key=key, route=route[:300], request_hash=fingerprint, status_code=0, media_type="")
    claim.body = {"text": ""}
    session.add(claim)
    try:
        session.flush()
    except IntegrityError:  # a twin claimed the key and committed while this one looked
        session.rollback()
        found = _stored(session, model, scope, key, fingerprint)
        if found is None:
            raise
        return found, True
    answer = produce()
    claim.status_code = answer.status_code
    claim.media_type = answer.media_type
    claim.body = {"text": answer.text}
    session.flush()
    return answer, False


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

    def produce() -> StoredAnswer:
        sent = JSONResponse(jsonable_encoder(action()), status_code=status_code)
        return StoredAnswer(status_code, JSON_MEDIA_TYPE, bytes(sent.body).decode())

    answer, replayed = run_once(session, model, scope, key, route, fingerprint_of(route, fingerprint), produce)
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    return JSONResponse(json.loads(answer.text), status_code=answer.status_code, headers=headers)
