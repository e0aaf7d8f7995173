from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reports.clients.models import ApiClient


def by_key_hash(session: Session, key_hash: str) -> ApiClient | None:
    return session.scalar(select(ApiClient).where(ApiClient.key_hash == key_hash))


def by_id(session: Session, client_id: int) -> ApiClient | None:
    return session.get(ApiClient, client_id)


def all_clients(session: Session, include_revoked: bool) -> Sequence[ApiClient]:
    statement = select(ApiClient).order_by(ApiClient.id)
    if not include_revoked:
        statement = statement.where(ApiClient.revoked_at.is_(None))
    return session.scalars(statement).all()
