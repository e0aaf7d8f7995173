"""Request types every API shares, so ids out of the database's range are a 422, not a crash."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2_147_483_647

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="a positive id")]
