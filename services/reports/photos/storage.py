"""Where the reports service keeps photos: chosen by `REPORTS_PHOTO_STORAGE` (see kernel.photo_storage)."""

from __future__ import annotations

from kernel.photo_storage import LocalDiskStorage, PhotoStorage, PhotoStorageSettings, photo_storage
from services.reports.database import PhotoBlob
from services.reports.settings import ReportsRuntime, ReportsSettings

__all__ = ["LocalDiskStorage", "PhotoStorage", "storage_for"]


def storage_for(runtime: ReportsRuntime) -> PhotoStorage:
    settings: ReportsSettings = runtime.settings
    choice = PhotoStorageSettings(
        backend=settings.photo_storage,
        disk_dir=settings.photo_dir,
        s3_bucket=settings.photo_s3_bucket,
        s3_endpoint_url=settings.photo_s3_endpoint_url,
        s3_region=settings.photo_s3_region,
        s3_prefix=settings.photo_s3_prefix,
        s3_access_key_id=settings.photo_s3_access_key_id,
        s3_secret_access_key=settings.photo_s3_secret_access_key,
    )
    return photo_storage(choice, runtime.session_factory, PhotoBlob)
