from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reports.clients.models import ApiClient


def by_key_hash(session: Session, key_hash: str) -> ApiClient | None:
    return session.scalar(select(ApiClient).where(ApiClient.key_hash == key_hash))
