"""The volunteers service's own schema: its declarative base and its outbox/inbox tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from streetcare.core.db import OutboxMixin, ProcessedEventMixin
from streetcare.core.mail import MailOptOutMixin, MailOutboxMixin
from streetcare.core.street_copy import StreetCopyMixin


class Base(DeclarativeBase):
    pass


class OutboxMessage(Base, OutboxMixin):
    __tablename__ = "outbox"


class ProcessedEvent(Base, ProcessedEventMixin):
    __tablename__ = "processed_events"


class StreetCopy(Base, StreetCopyMixin):
    """Read copy of scheduling's street registry, for finding streets to adopt near a volunteer."""

    __tablename__ = "street_copies"


class MailOutboxMessage(Base, MailOutboxMixin):
    """Mail to volunteers waiting for the SMTP server (see streetcare.core.mail)."""

    __tablename__ = "mail_outbox"


class MailOptOut(Base, MailOptOutMixin):
    __tablename__ = "mail_opt_outs"
