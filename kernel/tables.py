"""The kernel's tables in a service's own schema, made the same way for every service.

Each service keeps its own declarative ``Base`` (its tables, its database, its migrations) and
asks here for the kernel tables it uses::

    class Base(DeclarativeBase):
        pass

    OutboxMessage, ProcessedEvent = event_tables(Base)
    StreetCopy = street_copy_table(Base)

The classes are mapped on that ``Base`` under the kernel's table names and carry the service's
module as theirs.
"""

from __future__ import annotations

from typing import TypeVar, cast

from sqlalchemy.orm import DeclarativeBase

from kernel.db import OutboxMixin, ProcessedEventMixin
from kernel.mail import MailOptOutMixin, MailOutboxMixin
from kernel.photo_storage import PhotoBlobMixin
from kernel.street_copy import StreetCopyMixin

Mixin = TypeVar("Mixin")


def kernel_table(base: type[DeclarativeBase], mixin: type[Mixin], name: str, table: str, doc: str) -> type[Mixin]:
    """``class <name>(base, mixin)`` with ``__tablename__ = table``, in the module that defines ``base``."""
    namespace = {"__tablename__": table, "__doc__": doc, "__module__": base.__module__, "__qualname__": name}
    return cast("type[Mixin]", type(name, (base, mixin), namespace))


def event_tables(base: type[DeclarativeBase]) -> tuple[type[OutboxMixin], type[ProcessedEventMixin]]:
    """The outbox (events written with the change, for the relay) and the inbox (events applied)."""
    return (
        kernel_table(base, OutboxMixin, "OutboxMessage", "outbox", "An event to publish, written with its change."),
        kernel_table(
            base, ProcessedEventMixin, "ProcessedEvent", "processed_events", "An event this service has applied."
        ),
    )


def street_copy_table(base: type[DeclarativeBase]) -> type[StreetCopyMixin]:
    """Read copy of scheduling's street registry (kept from ``street.registered/updated``)."""
    return kernel_table(
        base, StreetCopyMixin, "StreetCopy", "street_copies", "Read copy of scheduling's street registry."
    )


def mail_tables(base: type[DeclarativeBase]) -> tuple[type[MailOutboxMixin], type[MailOptOutMixin]]:
    """Mail waiting for the SMTP server (see kernel.mail), and the addresses that opted out."""
    return (
        kernel_table(base, MailOutboxMixin, "MailOutboxMessage", "mail_outbox", "Mail waiting for the SMTP server."),
        kernel_table(
            base, MailOptOutMixin, "MailOptOut", "mail_opt_outs", "An address that opted out of a kind of mail."
        ),
    )


def photo_blob_table(base: type[DeclarativeBase]) -> type[PhotoBlobMixin]:
    """Photo bytes, when photos are kept in the database (every replica sees them)."""
    return kernel_table(base, PhotoBlobMixin, "PhotoBlob", "photo_blobs", "Photo bytes kept in the database.")
