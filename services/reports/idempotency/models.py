from __future__ import annotations

from services.reports.database import Base
from streetcare.core.idempotency import IdempotencyMixin


class IdempotencyRecord(IdempotencyMixin, Base):
    """The answer given to a POST with an Idempotency-Key (scope: the endpoint and, for Open311,
    the client app): a retry with that key gets it again."""

    __tablename__ = "idempotency_keys"
