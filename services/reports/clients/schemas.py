from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ApiClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="the client app the key is for")


class ApiClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


class IssuedKey(ApiClientOut):
    api_key: str = Field(description="shown once: only a hash is stored")
