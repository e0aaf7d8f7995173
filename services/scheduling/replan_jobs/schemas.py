from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReplanJobOut(BaseModel):
    """A re-plan asked for: queued → running → done (with the version and how long it took) or failed."""

    model_config = ConfigDict(from_attributes=True)

    job_id: str
    plan_date: date
    status: Literal["queued", "running", "done", "failed"]
    url: str = Field(description="where to follow the job (also the Location header of the 202)")
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    waited_seconds: float | None = Field(description="from the request to the planner taking it up (so far)")
    seconds: float | None = Field(description="running: planning so far; done: how long the re-plan took")
    version: int | None = Field(description="the plan version the re-plan made (done)")
    attempts: int
    error: str | None
    detail: str
