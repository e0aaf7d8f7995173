"""Open311 API keys: issued per client app, checked by hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kernel.errors import NotFound, Unprocessable
from services.reports.clients import repository
from services.reports.clients.models import ApiClient


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(session: Session, name: str) -> tuple[ApiClient, str]:
    """A new key for the app `name`; only its hash is kept, so the key is shown once."""
    name = name.strip()
    if not name:
        raise Unprocessable("name the client app the key is for (e.g. 'City app for Android')")
    key = secrets.token_urlsafe(24)
    client = ApiClient(name=name[:200], key_hash=hash_key(key))
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


def list_clients(session: Session, include_revoked: bool = False) -> Sequence[ApiClient]:
    return repository.all_clients(session, include_revoked)


def revoke(session: Session, client: ApiClient) -> None:
    if client.revoked_at is None:
        client.revoked_at = datetime.now(UTC)


def revoke_by_id(session: Session, client_id: int) -> ApiClient:
    """Revoke a key by its client id (idempotent: revoking twice keeps the first date)."""
    client = repository.by_id(session, client_id)
    if client is None:
        raise NotFound(f"no Open311 client with id {client_id}; list them to see the ids")
    revoke(session, client)
    return client
