from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.reports.database import Base
from streetcare.core.db import UTCDateTime, utcnow


class IdempotentAnswer(Base):
    """The answer given to a POST with an Idempotency-Key: a retry with that key gets it again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))  # which endpoint and, for Open311, which client app
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[Any] = mapped_column(JSON)  # {"text": …}: the response body as sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
