"""Open311 API keys: issued per client app, checked by hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from services.reports.clients import repository
from services.reports.clients.models import ApiClient


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(session: Session, name: str) -> tuple[ApiClient, str]:
    key = secrets.token_urlsafe(24)
    client = ApiClient(name=name, key_hash=hash_key(key))
    session.add(client)
    session.flush()
    return client, key


def client_for_key(session: Session, key: str | None) -> ApiClient | None:
    if not key:
        return None
    client = repository.by_key_hash(session, hash_key(key))
    if client is None or client.revoked_at is not None:
        return None
    return client


def revoke(session: Session, client: ApiClient) -> None:
    client.revoked_at = datetime.now(UTC)
