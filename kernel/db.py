"""Database plumbing every service shares: engines, the unit of work, outbox and inbox tables.

Domain code never commits: `unit_of_work` commits once on success and rolls back on any error,
then hands the ids of the outbox rows written in that transaction to the relay, so an event
leaves the service only after the change it describes is durable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import JSON, DateTime, Index, Insert, Integer, String, Table, create_engine, event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

PENDING_OUTBOX_KEY = "streetcare.pending_outbox"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on SQLite and PostgreSQL alike (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# connections beyond one per request thread: the outbox publisher, readiness and metrics
SPARE_CONNECTIONS = 4


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """`pool_size`: the connections kept (one per request thread), plus `SPARE_CONNECTIONS`."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            # no pre-ping: a connection to a local file does not go stale (a server's does, below)
            pool_size=pool_size,
            max_overflow=SPARE_CONNECTIONS,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=SPARE_CONNECTIONS, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], after_commit: Callable[[list[OutboxEntry]], None] | None = None
) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error, then relay the new outbox rows."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        pending = list(session.info.pop(PENDING_OUTBOX_KEY, []))
        session.close()
    if pending and after_commit is not None:
        after_commit(pending)


def table_of(model: Any) -> Table:
    """A mapped class's table, for the Core statements of hot paths: built once, they skip the
    ORM's per-statement work (and the unit of work) where nothing needs to be loaded back."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model!r} is not mapped to one table")
    return table


ModelT = TypeVar("ModelT")


def insert_new(session: Session, model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """A new row in one INSERT executed now, in the session's transaction, and the object as it was
    stored (its primary key and column defaults filled in), not tracked by the session.

    For a hot path's row that nothing changes after it is written (a report filed, a pick logged):
    the unit of work's flush of one new object costs several times the statement itself. Change
    such an object later through a query, not through its attributes: the session does not see it."""
    statement, key, defaults = _insert_plan(table_of(model))
    row = {name: (default(None) if is_callable else default) for name, default, is_callable in defaults}
    row.update(values)
    row[key] = session.execute(statement, row).scalar_one()
    return model(**row)


@cache
def _insert_plan(table: Table) -> tuple[Insert, str, tuple[tuple[str, Any, bool], ...]]:
    """Per table, once: the INSERT returning its key, the key's name, and each column's Python-side
    default (a value, or a callable such as utcnow, called per row as the INSERT would)."""
    (key,) = table.primary_key.columns
    defaults = tuple(
        (column.key, column.default.arg, bool(column.default.is_callable))  # type: ignore[attr-defined]
        for column in table.columns
        if column.default is not None and (column.default.is_scalar or column.default.is_callable)
    )
    return insert(table).returning(key), key.key, defaults


class CommitFailed(Exception):
    """The database refused the transaction at commit: nothing of it, outbox rows included, is stored."""


@contextmanager
def commit_or_refuse(factory: sessionmaker[Session], committed: list[OutboxEntry]) -> Iterator[Session]:
    """The unit of work of a request (or of any caller that reports failure to someone).

    The pending changes are flushed first, so a conflict the request itself caused still
    surfaces as the database's own error (a 409); whatever fails after that, at COMMIT, is
    a refusal of the whole transaction and raised as `CommitFailed`. The outbox rows that were
    committed are appended to `committed` for the relay to publish."""
    flushed = False
    try:
        with unit_of_work(factory, committed.extend) as session:
            yield session
            session.flush()
            flushed = True
    except SQLAlchemyError as exc:
        if not flushed:
            raise
        raise CommitFailed(f"{type(exc).__name__}: {str(getattr(exc, 'orig', exc))[:200]}") from exc


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox row as its transaction wrote it: the relay publishes it after the commit from
    memory, without reading it back."""

    id: str
    event_type: str
    envelope: dict[str, Any]


class OutboxMixin:
    """Events waiting to leave the service; written in the same transaction as the change.

    `published_at`: the broker took the message. `confirmed_at`: every subscriber said it applied
    it. A broker's "taken" is not "applied" (a worker killed right after its BRPOP loses the
    message it popped), so the relay offers a published event again until it is confirmed."""

    if TYPE_CHECKING:  # the declarative constructor, for type checkers

        def __init__(self, **kwargs: Any) -> None: ...

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        return (
            Index("ix_outbox_unpublished", "published_at", "created_at"),
            Index("ix_outbox_unconfirmed", "confirmed_at", "published_at"),
        )


class ProcessedEventMixin:
    """The inbox: ids of events already applied, recorded in the same transaction as the change."""

    if TYPE_CHECKING:  # the declarative constructor, for type checkers

        def __init__(self, **kwargs: Any) -> None: ...

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
