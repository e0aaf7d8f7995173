from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class MailOut(BaseModel):
    id: str
    to: str
    subject: str
    body: str
    sent_at: datetime
