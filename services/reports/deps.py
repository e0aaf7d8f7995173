"""FastAPI dependencies shared by the reports service's routers (each domain keeps its own beside its api)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kernel.service_app import get_runtime
from kernel.service_app import settings_of as kernel_settings_of
from kernel.street_copy import StreetIndexCache, street_index_of
from services.reports.database import StreetCopy
from services.reports.settings import ReportsSettings


def settings_of(request: Request) -> ReportsSettings:
    return kernel_settings_of(request, ReportsSettings)


async def street_index(request: Request) -> StreetIndexCache:
    """Only a look-up: `async`, so FastAPI runs it on the event loop, not on a worker thread (a
    thread hop per dependency costs more than the look-up; the same for the other look-ups)."""
    return street_index_of(get_runtime(request), StreetCopy)


IndexDep = Annotated[StreetIndexCache, Depends(street_index)]
