from __future__ import annotations

from kernel.idempotency import IdempotencyMixin
from services.volunteers.database import Base


class IdempotencyRecord(IdempotencyMixin, Base):
    """The first answer to a POST with an Idempotency-Key, stored with the change it made."""

    __tablename__ = "idempotency_keys"
