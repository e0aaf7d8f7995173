"""The scheduling service's own schema: its declarative base and its outbox/inbox tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kernel.tables import event_tables


class Base(DeclarativeBase):
    pass


OutboxMessage, ProcessedEvent = event_tables(Base)
