"""Photo intake: checked on content (never the file name), EXIF and GPS stripped, thumbnailed.

Every accepted photo is decoded and re-encoded as a fresh JPEG without metadata, so whatever the
camera wrote (GPS position, device serial, owner name, timestamps) never reaches storage.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from kernel.errors import NotFound, Unprocessable
from kernel.photos import PhotoLimits, clean_photo
from services.reports.photos import repository
from services.reports.photos.models import Photo
from services.reports.photos.storage import PhotoStorage


def photo_file(photo_id: str) -> str:
    return f"{photo_id}.jpg"


def thumbnail_file(photo_id: str) -> str:
    return f"{photo_id}-thumb.jpg"


def store_photo(session: Session, storage: PhotoStorage, data: bytes, limits: PhotoLimits) -> Photo:
    clean = clean_photo(data, limits)
    photo_id = secrets.token_hex(16)
    storage.save(photo_file(photo_id), clean.jpeg)
    storage.save(thumbnail_file(photo_id), clean.thumbnail)
    photo = Photo(
        id=photo_id,
        width=clean.width,
        height=clean.height,
        size_bytes=len(clean.jpeg),
        original_format=clean.original_format,
    )
    session.add(photo)
    session.flush()
    return photo


def get_photo(session: Session, photo_id: str) -> Photo:
    photo = repository.get(session, photo_id) if len(photo_id) <= 40 else None
    if photo is None:
        raise NotFound("no photo has this id", code="photo_unknown", params={"field": "photo_id"})
    return photo


def attach(session: Session, photo_id: str, report_id: int) -> None:
    photo = get_photo(session, photo_id)
    if photo.report_id is not None and photo.report_id != report_id:
        raise Unprocessable(
            "this photo belongs to another report; upload it again", code="photo_taken", params={"field": "photo_id"}
        )
    photo.report_id = report_id


def photo_path(photo_id: str) -> str:
    return f"/api/v1/reports/photos/{photo_id}"
