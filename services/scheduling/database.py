"""The scheduling service's own schema: its declarative base and its outbox/inbox tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from streetcare.core.db import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class OutboxMessage(Base, OutboxMixin):
    __tablename__ = "outbox"


class ProcessedEvent(Base, ProcessedEventMixin):
    __tablename__ = "processed_events"
