from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class SignUp(BaseModel):
    display_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    password: str = Field(min_length=10, max_length=200, description="at least 10 characters")
    language: str = Field(default="nl", pattern="^(nl|en)$")


class Me(BaseModel):
    """Your own account: the only place your email and phone are shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str
    email: str | None
    phone: str | None = None
    language: str
    leaderboard_opt_out: bool = False
    created_at: datetime


class MeUpdate(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=50)
    language: str | None = Field(default=None, pattern="^(nl|en)$")
    leaderboard_opt_out: bool | None = None


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class ResetRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)


class EmailConfirm(BaseModel):
    token: str = Field(min_length=10, max_length=200, description="the token from the link in the sign-up mail")


class ConfirmationResend(BaseModel):
    email: str = Field(min_length=3, max_length=254)


class Confirmed(BaseModel):
    detail: str
    email: str


class ResetConfirm(BaseModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class Accepted(BaseModel):
    detail: str


class CalendarLink(BaseModel):
    url: str
    webcal_url: str
