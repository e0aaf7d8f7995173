from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field


class StaffCreate(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(pattern="^(dispatcher|inspector|admin)$")
    password: str = Field(min_length=10, max_length=200)
