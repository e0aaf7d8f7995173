"""Admins issue, list and revoke Open311 API keys (the same as `streetcare open311-keys`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kernel.auth import Principal, Role, require_roles
from kernel.service_app import SessionDep
from services.reports.clients import service
from services.reports.clients.models import ApiClient
from services.reports.clients.schemas import ApiClientCreate, ApiClientOut, IssuedKey

router = APIRouter(prefix="/api/v1/reports/open311-keys", tags=["open311 keys"])
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def client_out(client: ApiClient) -> ApiClientOut:
    return ApiClientOut.model_validate(client)


@router.post("", status_code=201, response_model=IssuedKey)
def issue_key(body: ApiClientCreate, session: SessionDep, _: AdminDep) -> IssuedKey:
    """Admin: a new key for a client app. The key is in this answer only; keep it."""
    client, key = service.issue_key(session, body.name)
    return IssuedKey(**client_out(client).model_dump(), api_key=key)


@router.get("", response_model=list[ApiClientOut])
def list_keys(session: SessionDep, _: AdminDep, include_revoked: bool = False) -> list[ApiClientOut]:
    """Admin: the client apps holding a key (never the keys themselves)."""
    return [client_out(c) for c in service.list_clients(session, include_revoked)]


@router.delete("/{client_id}", response_model=ApiClientOut)
def revoke_key(client_id: int, session: SessionDep, _: AdminDep) -> ApiClientOut:
    """Admin: revoke a client's key; its next request gets 403."""
    return client_out(service.revoke_by_id(session, client_id))
