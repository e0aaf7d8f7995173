"""FastAPI dependencies shared by the reports service's routers."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from services.reports.notifications.service import Notifier
from services.reports.photos.storage import PhotoStorage
from services.reports.reports.service import ReportPolicy
from services.reports.settings import ReportsSettings
from streetcare.core.photos import PhotoLimits
from streetcare.core.service_app import get_runtime
from streetcare.core.street_copy import StreetIndexCache


def settings_of(request: Request) -> ReportsSettings:
    settings: ReportsSettings = request.app.state.settings
    return settings


def street_index(request: Request) -> StreetIndexCache:
    cache: StreetIndexCache = get_runtime(request).extras["street_index"]
    return cache


def photo_storage(request: Request) -> PhotoStorage:
    storage: PhotoStorage = get_runtime(request).extras["photo_storage"]
    return storage


def notifier(request: Request) -> Notifier:
    found: Notifier = get_runtime(request).extras["notifier"]
    return found


def policy_from(settings: ReportsSettings) -> ReportPolicy:
    return ReportPolicy(
        snap_distance_m=settings.snap_distance_m,
        duplicate_radius_m=settings.duplicate_radius_m,
        duplicate_window=timedelta(hours=settings.duplicate_window_hours),
        reopen_window=timedelta(days=settings.reopen_window_days),
    )


def report_policy(request: Request) -> ReportPolicy:
    return policy_from(settings_of(request))


def photo_limits(request: Request) -> PhotoLimits:
    settings = settings_of(request)
    return PhotoLimits(
        max_bytes=settings.photo_max_bytes,
        max_pixels=settings.photo_max_pixels,
        max_side_px=settings.photo_max_side_px,
        thumbnail_px=settings.photo_thumbnail_px,
    )


IndexDep = Annotated[StreetIndexCache, Depends(street_index)]
PolicyDep = Annotated[ReportPolicy, Depends(report_policy)]
NotifierDep = Annotated[Notifier, Depends(notifier)]
StorageDep = Annotated[PhotoStorage, Depends(photo_storage)]
LimitsDep = Annotated[PhotoLimits, Depends(photo_limits)]
