"""The volunteers service's own schema: its declarative base and the kernel's tables it keeps
(outbox and inbox, the street copy volunteers adopt from, the volunteers' mail)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kernel.tables import event_tables, mail_tables, street_copy_table


class Base(DeclarativeBase):
    pass


OutboxMessage, ProcessedEvent = event_tables(Base)
StreetCopy = street_copy_table(Base)
MailOutboxMessage, MailOptOut = mail_tables(Base)
