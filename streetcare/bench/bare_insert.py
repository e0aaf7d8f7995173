"""The ingest benchmark's database baseline: FastAPI + SQLAlchemy inserting one row per POST.

It shares with the services what is not theirs to choose: the engine and session factory of
`kernel.db` (pool, SQLite pragmas), a sync route run in FastAPI's threadpool sized as the
services size theirs (`STREETCARE_WEB_THREADS`, the pool beside it), one commit per request
before the answer, and the same uvicorn flags. What a report POST costs
beyond this is the services' own work.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Body, Depends, FastAPI, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kernel.db import make_engine, make_session_factory
from kernel.settings import ProcessSettings

INSERT_PATH = "/insert"


class BareInsertSettings(BaseSettings):
    """What the baseline process reads from the environment: only where to insert."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(validation_alias="BENCH_BARE_INSERT_DATABASE_URL")
    web_threads: int = Field(
        default=ProcessSettings.model_fields["web_threads"].default, validation_alias="STREETCARE_WEB_THREADS"
    )


class Base(DeclarativeBase):
    pass


class Posted(Base):
    __tablename__ = "posted"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


def create_app(settings: BareInsertSettings | None = None) -> FastAPI:
    settings = settings or BareInsertSettings()
    engine = make_engine(settings.database_url, pool_size=settings.web_threads)
    Base.metadata.create_all(engine)
    threads = settings.web_threads

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(lifespan=lifespan)
    app.state.session_factory = make_session_factory(engine)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(INSERT_PATH, status_code=201)
    def insert(
        payload: Annotated[dict[str, Any], Body()], session: Annotated[Session, Depends(_session)]
    ) -> dict[str, Any]:
        row = Posted(kind=str(payload.get("category", "pick")), body=json.dumps(payload), created_at=datetime.now(UTC))
        session.add(row)
        session.commit()
        return {"id": row.id, "status": "open"}

    return app
