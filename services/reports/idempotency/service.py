"""Idempotency-Key: the same key (within one scope) always gets the first answer, and one object.

The answer is stored in the same transaction as the object it created, under a unique
(scope, key) constraint: two racing requests with one key cannot both commit; the loser reads
the winner's answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.reports.idempotency.models import IdempotentAnswer
from streetcare.core.errors import Unprocessable
from streetcare.core.idempotency import checked_key


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    media_type: str
    text: str


def request_hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def check_key(key: str | None) -> str | None:
    return None if key is None else checked_key(key)


def lookup(session: Session, scope: str, key: str, fingerprint: str) -> StoredAnswer | None:
    row = session.scalar(select(IdempotentAnswer).where(IdempotentAnswer.scope == scope, IdempotentAnswer.key == key))
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Unprocessable("this Idempotency-Key was already used for a different request; use a new key")
    return StoredAnswer(row.status_code, row.media_type, str(row.body["text"]))


def remember(session: Session, scope: str, key: str, fingerprint: str, answer: StoredAnswer) -> None:
    session.add(
        IdempotentAnswer(
            scope=scope,
            key=key,
            request_hash=fingerprint,
            status_code=answer.status_code,
            media_type=answer.media_type,
            body={"text": answer.text},
        )
    )
    session.flush()


def run_once(
    transaction: Callable[[], AbstractContextManager[Session]],
    scope: str,
    key: str | None,
    fingerprint: str,
    produce: Callable[[Session], StoredAnswer],
) -> StoredAnswer:
    """Run `produce` in its own transaction, once per (scope, key); a retry gets the stored answer."""
    if key is None:
        with transaction() as session:
            return produce(session)
    try:
        with transaction() as session:
            found = lookup(session, scope, key, fingerprint)
            if found is not None:
                return found
            answer = produce(session)
            remember(session, scope, key, fingerprint, answer)
            return answer
    except IntegrityError:
        with transaction() as session:
            found = lookup(session, scope, key, fingerprint)
        if found is None:
            raise
        return found
