from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class MailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    to: str
    subject: str
    body: str
    sent_at: datetime
