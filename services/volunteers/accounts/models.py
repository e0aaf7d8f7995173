from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.volunteers.database import Base


class Volunteer(Base):
    """A volunteer's account. Email and phone are private: never shown to other volunteers."""

    __tablename__ = "volunteers"
    __table_args__ = (UniqueConstraint("calendar_token", name="uq_volunteers_calendar_token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(20), default="volunteer")
    language: Mapped[str] = mapped_column(String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    leaderboard_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    calendar_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # None until the person followed the link in the confirmation mail: no login before that
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SingleUseToken:
    """A token that goes out by mail and works once until it expires; only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PasswordReset(SingleUseToken, Base):
    """The link in a password-reset mail."""

    __tablename__ = "password_resets"


class EmailConfirmation(SingleUseToken, Base):
    """The link that confirms a new account's address."""

    __tablename__ = "email_confirmations"
