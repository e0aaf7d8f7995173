"""FastAPI dependencies shared by the reports service's routers (each domain keeps its own beside its api)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kernel.service_app import get_runtime
from kernel.service_app import settings_of as kernel_settings_of
from kernel.street_copy import StreetIndexCache
from services.reports.settings import ReportsSettings


def settings_of(request: Request) -> ReportsSettings:
    return kernel_settings_of(request, ReportsSettings)


def street_index(request: Request) -> StreetIndexCache:
    cache: StreetIndexCache = get_runtime(request).extras["street_index"]
    return cache


IndexDep = Annotated[StreetIndexCache, Depends(street_index)]
