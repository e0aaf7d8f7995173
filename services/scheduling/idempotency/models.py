from __future__ import annotations

from kernel.idempotency import IdempotencyMixin
from services.scheduling.database import Base


class IdempotencyRecord(IdempotencyMixin, Base):
    """The first answer to a dispatcher's or admin's create, so a retried POST makes one object."""

    __tablename__ = "idempotency_keys"
