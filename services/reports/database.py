"""The reports service's own schema: its declarative base and the kernel's tables it keeps
(outbox and inbox, the street copy reports are snapped to, the reporters' mail, photo bytes)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kernel.tables import event_tables, mail_tables, photo_blob_table, street_copy_table


class Base(DeclarativeBase):
    pass


OutboxMessage, ProcessedEvent = event_tables(Base)
StreetCopy = street_copy_table(Base)
MailOutboxMessage, MailOptOut = mail_tables(Base)
PhotoBlob = photo_blob_table(Base)
