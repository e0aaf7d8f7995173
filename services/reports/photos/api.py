from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response

from kernel.errors import NotFound
from kernel.photos import PhotoLimits
from kernel.responses import from_row
from kernel.service_app import SessionDep, get_runtime
from services.reports.deps import settings_of
from services.reports.photos import service
from services.reports.photos.schemas import PhotoStored
from services.reports.photos.storage import PhotoStorage

router = APIRouter(prefix="/api/v1/reports/photos", tags=["photos"])


async def photo_storage(request: Request) -> PhotoStorage:
    storage: PhotoStorage = get_runtime(request).extras["photo_storage"]
    return storage


async def photo_limits(request: Request) -> PhotoLimits:
    settings = settings_of(request)
    return PhotoLimits(
        max_bytes=settings.photo_max_bytes,
        max_pixels=settings.photo_max_pixels,
        max_side_px=settings.photo_max_side_px,
        thumbnail_px=settings.photo_thumbnail_px,
    )


StorageDep = Annotated[PhotoStorage, Depends(photo_storage)]
LimitsDep = Annotated[PhotoLimits, Depends(photo_limits)]


@router.post("", status_code=201, response_model=PhotoStored)
async def upload_photo(
    photo: Annotated[UploadFile, File(description="a JPEG, PNG, WebP or GIF photo")],
    session: SessionDep,
    storage: StorageDep,
    limits: LimitsDep,
) -> PhotoStored:
    """Upload a photo (multipart field `photo`); send its id with the report. Metadata is removed."""
    data = await photo.read(limits.max_bytes + 1)
    stored = service.store_photo(session, storage, data, limits)
    url = service.photo_path(stored.id)
    return from_row(PhotoStored, stored, url=url, thumbnail_url=f"{url}/thumbnail")


def _serve(storage: StorageDep, name: str) -> Response:
    data = storage.load(name)
    if data is None:
        raise NotFound("the photo file is gone")
    return Response(
        data,
        media_type="image/jpeg",
        headers={"Cache-Control": "public, max-age=86400, immutable", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{photo_id}", response_class=Response)
def get_photo(photo_id: str, session: SessionDep, storage: StorageDep) -> Response:
    service.get_photo(session, photo_id)
    return _serve(storage, service.photo_file(photo_id))


@router.get("/{photo_id}/thumbnail", response_class=Response)
def get_thumbnail(photo_id: str, session: SessionDep, storage: StorageDep) -> Response:
    service.get_photo(session, photo_id)
    return _serve(storage, service.thumbnail_file(photo_id))
