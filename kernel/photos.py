"""Photos from phones, made safe: checked on content (never the name or the claimed type),
bounded in bytes and in decoded pixels (a decompression bomb is refused before decoding), and
re-encoded as a fresh JPEG so EXIF, GPS, XMP and ICC data never reach storage."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from kernel.errors import DomainError, Unprocessable

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


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    original_format: str


def _decode(data: bytes, limits: PhotoLimits) -> tuple[Image.Image, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format or ""
                if image_format not in ACCEPTED_FORMATS:
                    raise UnsupportedPhoto(
                        f"this file is a {image_format or 'unknown'} image; send a JPEG, PNG, WebP or GIF photo",
                        code="photo_unsupported",
                        params={"field": "photo"},
                    )
                width, height = probe.size
                if width * height > limits.max_pixels:
                    raise PhotoTooLarge(
                        f"the photo is {width}×{height} pixels; "
                        f"the limit is {limits.max_pixels // 1_000_000} megapixels",
                        code="photo_too_many_pixels",
                        params={"megapixels": limits.max_pixels // 1_000_000, "field": "photo"},
                    )
                probe.verify()  # structural check of the whole file, before decoding the pixels
            image = Image.open(io.BytesIO(data))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoTooLarge(
                "the photo decodes to too many pixels",
                code="photo_too_many_pixels",
                params={"megapixels": limits.max_pixels // 1_000_000, "field": "photo"},
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise UnsupportedPhoto(
                "this file is not a photo we can read; send a JPEG, PNG or WebP image",
                code="photo_unsupported",
                params={"field": "photo"},
            ) from None
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


def clean_photo(data: bytes, limits: PhotoLimits) -> CleanPhoto:
    if not data:
        raise Unprocessable("the photo is empty", code="photo_empty", params={"field": "photo"})
    if len(data) > limits.max_bytes:
        megabytes = limits.max_bytes // (1024 * 1024)
        raise PhotoTooLarge(
            f"the photo is larger than {megabytes} MB; send a smaller one",
            code="photo_too_large",
            params={"megabytes": megabytes, "field": "photo"},
        )
    image, image_format = _decode(data, limits)
    full, width, height = _clean_jpeg(image, limits.max_side_px)
    thumbnail, _, _ = _clean_jpeg(image, limits.thumbnail_px)
    return CleanPhoto(full, thumbnail, width, height, image_format)
