from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PhotoStored(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    thumbnail_url: str
    width: int
    height: int
