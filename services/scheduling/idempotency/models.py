from __future__ import annotations

from services.scheduling.database import Base
from streetcare.core.idempotency import IdempotencyMixin


class IdempotencyRecord(IdempotencyMixin, Base):
    """The first answer to a dispatcher's or admin's create, so a retried POST makes one object."""

    __tablename__ = "idempotency_keys"
