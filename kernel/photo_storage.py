"""Where cleaned photos live, so every replica sees them and a restart loses none.

- `DatabasePhotoStorage` (the default): a `photo_blobs` table in the service's own database, on
  SQLite and PostgreSQL alike — nothing more to run.
- `S3PhotoStorage`: any S3-compatible object store (AWS S3, MinIO, Ceph, …) through boto3, for a
  large city whose photos should not grow the database.
- `LocalDiskStorage`: one folder — only for a single process on one machine.

All three implement `save`, `load` and `delete` by name; names are checked, so none escapes its place.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel
from sqlalchemy import LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel.db import UTCDateTime, utcnow

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")


def checked_name(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe photo file name {name!r}")
    return name


class PhotoStorage(Protocol):
    def save(self, name: str, data: bytes) -> None: ...

    def load(self, name: str) -> bytes | None: ...

    def delete(self, name: str) -> None: ...


class PhotoStorageSettings(BaseModel):
    """The choice, from the service's settings (`<PREFIX>_PHOTO_STORAGE=database|s3|disk`, …)."""

    backend: Literal["database", "s3", "disk"] = "database"
    disk_dir: str = ""
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS; e.g. https://minio.city.example
    s3_region: str = "us-east-1"
    s3_prefix: str = "photos/"
    s3_access_key_id: str = ""  # empty: boto3's usual chain (environment, instance role, …)
    s3_secret_access_key: str = ""


class PhotoBlobMixin:
    """A photo's bytes in the service's database."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DatabasePhotoStorage:
    """Photos in the database; `legacy_dir` still serves files an older install wrote to disk."""

    def __init__(
        self, session_factory: sessionmaker[Session], model: type[PhotoBlobMixin], legacy_dir: str = ""
    ) -> None:
        self.session_factory = session_factory
        self.model = model
        self.legacy = LocalDiskStorage(legacy_dir) if legacy_dir else None

    def save(self, name: str, data: bytes) -> None:
        with self.session_factory() as session:
            found = session.get(self.model, checked_name(name))
            if found is None:
                session.add(self.model(name=name, data=data))
            else:
                found.data = data
            session.commit()

    def load(self, name: str) -> bytes | None:
        with self.session_factory() as session:
            data = session.scalar(select(self.model.data).where(self.model.name == checked_name(name)))
        if data is not None:
            return bytes(data)
        return self.legacy.load(name) if self.legacy is not None else None

    def delete(self, name: str) -> None:
        with self.session_factory() as session:
            session.execute(delete(self.model).where(self.model.name == checked_name(name)))
            session.commit()
        if self.legacy is not None:
            self.legacy.delete(name)


class S3PhotoStorage:
    def __init__(self, settings: PhotoStorageSettings) -> None:
        import boto3  # only a city that chose S3 loads the SDK
        from botocore.config import Config

        if not settings.s3_bucket:
            raise ValueError("photo storage s3 needs a bucket (PHOTO_S3_BUCKET)")
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        credentials = (
            {"aws_access_key_id": settings.s3_access_key_id, "aws_secret_access_key": settings.s3_secret_access_key}
            if settings.s3_access_key_id
            else {}
        )
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            config=Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=30),
            **credentials,
        )
        self._missing = self.client.exceptions.NoSuchKey

    def _key(self, name: str) -> str:
        return self.prefix + checked_name(name)

    def save(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data, ContentType="image/jpeg")

    def load(self, name: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except self._missing:
            return None
        return bytes(answer["Body"].read())

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))


class LocalDiskStorage:
    """Files under one folder: a single process on one machine only (replicas do not share it)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        return self.root / checked_name(name)

    def save(self, name: str, data: bytes) -> None:
        path = self._path(name)
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        Path(temporary).replace(path)

    def load(self, name: str) -> bytes | None:
        path = self._path(name)
        return path.read_bytes() if path.is_file() else None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)


def photo_storage(
    settings: PhotoStorageSettings, session_factory: sessionmaker[Session], blob_model: type[PhotoBlobMixin]
) -> PhotoStorage:
    if settings.backend == "s3":
        return S3PhotoStorage(settings)
    if settings.backend == "disk":
        return LocalDiskStorage(settings.disk_dir)
    return DatabasePhotoStorage(session_factory, blob_model, legacy_dir=settings.disk_dir)
