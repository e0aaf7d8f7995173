from __future__ import annotations

from sqlalchemy.orm import Session

from services.reports.photos.models import Photo


def get(session: Session, photo_id: str) -> Photo | None:
    return session.get(Photo, photo_id)
