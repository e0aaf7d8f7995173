"""Where photo files live: an interface, and the local-disk implementation used by default."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class PhotoStorage(Protocol):
    def save(self, name: str, data: bytes) -> None: ...

    def load(self, name: str) -> bytes | None: ...

    def delete(self, name: str) -> None: ...


class LocalDiskStorage:
    """Files under one folder (`settings.photo_dir`, under `var/` by default)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not _SAFE_NAME.match(name) or name.startswith("."):
            raise ValueError(f"unsafe photo file name {name!r}")
        return self.root / name

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
