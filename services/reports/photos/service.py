"""Photo intake: checked on content (never the file name), EXIF and GPS stripped, thumbnailed.

Every accepted photo is decoded and re-encoded as a fresh JPEG without metadata, so whatever the
camera wrote (GPS position, device serial, owner name, timestamps) never reaches storage.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from services.reports.photos.models import Photo
from services.reports.photos.storage import PhotoStorage
from streetcare.core.errors import DomainError, NotFound, Unprocessable

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})


class PhotoTooLarge(DomainError):
    status_code = 413


class UnsupportedPhoto(DomainError):
    status_code = 415


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int
    max_pixels: int
    max_side_px: int
    thumbnail_px: int


def photo_file(photo_id: str) -> str:
    return f"{photo_id}.jpg"


def thumbnail_file(photo_id: str) -> str:
    return f"{photo_id}-thumb.jpg"


def _decode(data: bytes, limits: PhotoLimits) -> tuple[Image.Image, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format or ""
                if image_format not in ACCEPTED_FORMATS:
                    raise UnsupportedPhoto(
                        f"this file is a {image_format or 'unknown'} image; send a JPEG, PNG, WebP or GIF photo"
                    )
                width, height = probe.size
                if width * height > limits.max_pixels:
                    raise PhotoTooLarge(
                        f"the photo is {width}×{height} pixels; "
                        f"the limit is {limits.max_pixels // 1_000_000} megapixels"
                    )
                probe.verify()  # structural check of the whole file, before decoding the pixels
            image = Image.open(io.BytesIO(data))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoTooLarge("the photo decodes to too many pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise UnsupportedPhoto("this file is not a photo we can read; send a JPEG, PNG or WebP image") from None
    return image, image_format


def _clean_jpeg(image: Image.Image, max_side: int) -> tuple[bytes, int, int]:
    upright = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop EXIF
    rgb = upright.convert("RGB")
    rgb.thumbnail((max_side, max_side))
    clean = Image.new("RGB", rgb.size)  # a fresh image: no info, no exif, no icc, no xmp
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), clean.width, clean.height


def store_photo(session: Session, storage: PhotoStorage, data: bytes, limits: PhotoLimits) -> Photo:
    if len(data) > limits.max_bytes:
        raise PhotoTooLarge(f"the photo is larger than {limits.max_bytes // (1024 * 1024)} MB; send a smaller one")
    if not data:
        raise Unprocessable("the photo is empty")
    image, image_format = _decode(data, limits)
    full, width, height = _clean_jpeg(image, limits.max_side_px)
    thumb, _, _ = _clean_jpeg(image, limits.thumbnail_px)
    photo_id = secrets.token_hex(16)
    storage.save(photo_file(photo_id), full)
    storage.save(thumbnail_file(photo_id), thumb)
    photo = Photo(id=photo_id, width=width, height=height, size_bytes=len(full), original_format=image_format)
    session.add(photo)
    session.flush()
    return photo


def get_photo(session: Session, photo_id: str) -> Photo:
    photo = session.get(Photo, photo_id) if len(photo_id) <= 40 else None
    if photo is None:
        raise NotFound("no photo has this id")
    return photo


def attach(session: Session, photo_id: str, report_id: int) -> None:
    photo = get_photo(session, photo_id)
    if photo.report_id is not None and photo.report_id != report_id:
        raise Unprocessable("this photo belongs to another report; upload it again")
    photo.report_id = report_id


def photo_path(photo_id: str) -> str:
    return f"/api/v1/reports/photos/{photo_id}"
