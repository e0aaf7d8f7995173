from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.volunteers.idempotency.models import IdempotencyRecord


def find(session: Session, scope: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    )


def forget_scope(session: Session, scope: str) -> None:
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.scope == scope))
