"""What every volunteers API module shares: the session, the street index, idempotency (the caller as a
volunteer is `accounts.dependencies`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kernel.idempotency import idempotent as core_idempotent
from kernel.service_app import SessionDep, get_runtime
from kernel.service_app import settings_of as kernel_settings_of
from kernel.street_copy import StreetIndexCache, street_index_of
from services.volunteers.database import StreetCopy
from services.volunteers.idempotency.models import IdempotencyRecord
from services.volunteers.settings import VolunteersSettings

__all__ = [
    "SessionDep",  # the kernel's, shared here so an API module imports what it needs from one place
    "StreetIndexDep",
    "idempotent",
    "settings_of",
    "street_index",
]


def settings_of(request: Request) -> VolunteersSettings:
    return kernel_settings_of(request, VolunteersSettings)


async def street_index(request: Request) -> StreetIndexCache:
    """Only a look-up: `async`, so FastAPI runs it on the event loop, not on a worker thread."""
    return street_index_of(get_runtime(request), StreetCopy)


StreetIndexDep = Annotated[StreetIndexCache, Depends(street_index)]


def idempotent(
    request: Request,
    session: Session,
    scope: str,
    fingerprint: BaseModel | dict[str, Any] | None,
    action: Callable[[], Any],
    status_code: int = 201,
) -> JSONResponse:
    """Run `action` once per Idempotency-Key: a repeated key gets the first answer back."""
    return core_idempotent(request, session, IdempotencyRecord, scope, fingerprint, action, status_code)
