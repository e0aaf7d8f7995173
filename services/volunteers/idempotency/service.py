"""Idempotency-Key: the same key from the same caller gets the same answer and makes one object.

The record is written in the same transaction as the change, under a unique (scope, key)
constraint, so two racing twins cannot both create: the loser's transaction fails and rolls back.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from services.volunteers.idempotency import repository
from services.volunteers.idempotency.models import IdempotencyRecord
from streetcare.core.errors import Unprocessable

MAX_KEY_LENGTH = 200


def fingerprint_of(route: str, payload: BaseModel | dict[str, Any] | None) -> str:
    if isinstance(payload, BaseModel):
        data: Any = payload.model_dump(mode="json")
    else:
        data = payload or {}
    raw = json.dumps({"route": route, "body": data}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def replay(
    session: Session, scope: str, key: str, route: str, payload: BaseModel | dict[str, Any] | None
) -> IdempotencyRecord | None:
    record = repository.find(session, scope, _check_key(key))
    if record is None:
        return None
    if record.request_hash != fingerprint_of(route, payload):
        raise Unprocessable("this Idempotency-Key was already used for a different request; use a new key")
    return record


def remember(
    session: Session,
    scope: str,
    key: str,
    route: str,
    payload: BaseModel | dict[str, Any] | None,
    status_code: int,
    body: Any,
) -> None:
    session.add(
        IdempotencyRecord(
            scope=scope,
            key=_check_key(key),
            route=route,
            request_hash=fingerprint_of(route, payload),
            status_code=status_code,
            body=body,
        )
    )
    session.flush()
