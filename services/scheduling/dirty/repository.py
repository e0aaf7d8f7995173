from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kernel.db import table_of
from services.scheduling.dirty import triggers
from services.scheduling.dirty.models import PlanDirty
from services.scheduling.dirty.triggers import Part


def _upsert(insert: Any) -> Any:
    """A mark's INSERT … ON CONFLICT (SQLite's and PostgreSQL's have the same form): built once."""
    table = table_of(PlanDirty)
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=["plan_date"],
        set_={
            "generation": table.c.generation + 1,
            "reason": statement.excluded.reason,
            "reason_code": statement.excluded.reason_code,
            "reason_params": statement.excluded.reason_params,
            "marked_at": statement.excluded.marked_at,
        },
    )


_UPSERTS = {"sqlite": _upsert(sqlite.insert), "postgresql": _upsert(postgresql.insert)}


def mark(session: Session, days: Sequence[date], reason: Part, now: datetime) -> None:
    """One more mark on each of ``days``: a new row, or the next generation of the row that is
    there (one statement for them all: events mark days on every change)."""
    text = triggers.text(reason)
    rows = [
        {
            "plan_date": day,
            "generation": 1,
            "reason": text,
            "reason_code": reason.code,
            "reason_params": dict(reason.params),
            "marked_at": now,
        }
        for day in days
    ]
    if not rows:
        return
    upsert = _UPSERTS.get(session.get_bind().dialect.name)
    if upsert is not None:
        session.execute(upsert, rows)
        return
    for values in rows:  # pragma: no cover - other databases: read, then write
        row = session.get(PlanDirty, values["plan_date"])
        if row is None:
            session.add(PlanDirty(**values))
        else:
            row.generation += 1
            row.reason = text
            row.reason_code = reason.code
            row.reason_params = dict(reason.params)
            row.marked_at = now


def get(session: Session, day: date) -> PlanDirty | None:
    return session.get(PlanDirty, day)


def generation(session: Session, day: date) -> int | None:
    return session.scalar(select(PlanDirty.generation).where(PlanDirty.plan_date == day))


def dirty_days(session: Session) -> list[date]:
    return list(session.scalars(select(PlanDirty.plan_date).order_by(PlanDirty.plan_date)))
