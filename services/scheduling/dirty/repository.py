from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.scheduling.dirty import triggers
from services.scheduling.dirty.models import PlanDirty
from services.scheduling.dirty.triggers import Part


def mark(session: Session, day: date, reason: Part, now: datetime) -> None:
    """One more mark on ``day``: a new row, or the next generation of the row that is there."""
    dialect = session.get_bind().dialect.name
    table: Any = PlanDirty.__table__
    text = triggers.text(reason)
    values = {
        "plan_date": day,
        "generation": 1,
        "reason": text,
        "reason_code": reason.code,
        "reason_params": dict(reason.params),
        "marked_at": now,
    }
    if dialect in ("sqlite", "postgresql"):
        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table).values(**values)
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["plan_date"],
                set_={
                    "generation": table.c.generation + 1,
                    "reason": insert.excluded.reason,
                    "reason_code": insert.excluded.reason_code,
                    "reason_params": insert.excluded.reason_params,
                    "marked_at": insert.excluded.marked_at,
                },
            )
        )
    else:  # pragma: no cover - other databases: read, then write
        row = session.get(PlanDirty, day)
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
