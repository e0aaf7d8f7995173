from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field


class SignUp(BaseModel):
    display_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    password: str = Field(min_length=10, max_length=200, description="at least 10 characters")
    language: str = Field(default="nl", pattern="^(nl|en)$")


class CredentialCheck(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class VerifiedIdentity(BaseModel):
    subject: str
    role: str
    name: str


class Me(BaseModel):
    id: int
    display_name: str
    email: str | None
    language: str
    created_at: datetime
