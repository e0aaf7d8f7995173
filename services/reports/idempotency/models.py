from __future__ import annotations

from kernel.idempotency import IdempotencyMixin
from services.reports.database import Base


class IdempotencyRecord(IdempotencyMixin, Base):
    """The answer given to a POST with an Idempotency-Key (scope: the endpoint and, for Open311,
    the client app): a retry with that key gets it again."""

    __tablename__ = "idempotency_keys"
