from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kernel.db import table_of
from services.scheduling.planning.estimator import BuildUpEvidence, WeekdayLearner
from services.scheduling.state.models import (
    BagPickup,
    EstimateSnapshot,
    PlannedCleanup,
    StreetAdoption,
    StreetInspection,
    StreetPick,
    StreetReport,
    StreetState,
    WeekdayLearning,
)

OPEN = "open"
WEEKDAY_LEARNER_KEY = "scheduling.weekday_learner"
APPLIED_BEFORE_KEY = "scheduling.applied_before"  # {(model, primary key): stored before}, a batch's look-up
ADOPTIONS_KEY = "scheduling.adoptions"  # {street id: its adoptions}, a batch's look-up (`look_up_adoptions`)
COVERING_STATUSES = ("active",)


def state_for(session: Session, street_id: int) -> StreetState | None:
    return session.get(StreetState, street_id)


_ADD_STATE_UNLESS_THERE = {
    name: dialect_insert(table_of(StreetState))
    .on_conflict_do_nothing(index_elements=["street_id"])
    .returning(table_of(StreetState).c.street_id)  # a row only when made (SQLite keeps a stale rowcount)
    for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}


def add_state_unless_there(session: Session, values: dict[str, Any]) -> tuple[StreetState, bool]:
    """The street's state row, made from ``values`` unless another transaction made it first, and
    whether this one made it. Two consumers' batches meet on a street's first events: with a plain
    INSERT the second one's whole batch failed on the key once the first committed, and every
    event in it was applied again one at a time."""
    made = bool(add_states_unless_there(session, [values]))
    state = session.get(StreetState, values["street_id"])
    if state is None:  # pragma: no cover - a row that conflicted is committed, so it is seen here
        raise LookupError(f"no state row for street {values['street_id']} after inserting it")
    return state, made


def add_states_unless_there(session: Session, rows: Sequence[dict[str, Any]]) -> set[int]:
    """State rows for several streets in one statement (as `add_state_unless_there`), made in the
    order of their street ids, so two batches making some of the same streets never wait on each
    other crosswise; the street ids this transaction made."""
    if not rows:
        return set()
    statement = _ADD_STATE_UNLESS_THERE[session.get_bind().dialect.name]
    ordered = sorted(rows, key=lambda row: int(row["street_id"]))
    return {int(street_id) for street_id in session.scalars(statement, ordered)}


def states(session: Session, among: Select[int] | Sequence[int] | None = None) -> dict[int, StreetState]:
    """Every street's state, or those of the streets ``among`` names (street ids, or a query of them)."""
    query = select(StreetState) if among is None else select(StreetState).where(StreetState.street_id.in_(among))
    return {s.street_id: s for s in session.scalars(query)}


def report(session: Session, report_id: int) -> StreetReport | None:
    return session.get(StreetReport, report_id)


def open_report_count(session: Session, street_id: int) -> int:
    return int(
        session.scalar(select(func.count()).where(StreetReport.street_id == street_id, StreetReport.status == OPEN))
        or 0
    )


def open_report_counts(session: Session, among: Select[int] | None = None) -> dict[int, int]:
    """Open reports per street (streets without one are absent; ``among``: only these streets)."""
    query = select(StreetReport.street_id, func.count()).where(StreetReport.status == OPEN)
    if among is not None:
        query = query.where(StreetReport.street_id.in_(among))
    rows = session.execute(query.group_by(StreetReport.street_id)).all()
    return {street_id: int(count) for street_id, count in rows}


def open_reports(session: Session, street_id: int) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(StreetReport.street_id == street_id, StreetReport.status == OPEN)
    ).all()


def open_reports_on(session: Session, street_id: int, exclude_category: str) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(
            StreetReport.street_id == street_id,
            StreetReport.status == OPEN,
            StreetReport.category != exclude_category,
        )
    ).all()


def reports_since(session: Session, since: datetime) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(StreetReport.filed_at >= since, StreetReport.duplicate_of.is_(None))
    ).all()


def open_bulky_reports(session: Session, category: str) -> Sequence[StreetReport]:
    return session.scalars(
        select(StreetReport).where(
            StreetReport.category == category, StreetReport.status == OPEN, StreetReport.duplicate_of.is_(None)
        )
    ).all()


def reports_of(session: Session, street_id: int, limit: int) -> Sequence[StreetReport]:
    """A street's latest reports, newest first."""
    return session.scalars(
        select(StreetReport)
        .where(StreetReport.street_id == street_id)
        .order_by(StreetReport.filed_at.desc())
        .limit(limit)
    ).all()


def adoption(session: Session, adoption_id: int) -> StreetAdoption | None:
    return session.get(StreetAdoption, adoption_id)


def adoptions(session: Session) -> Sequence[StreetAdoption]:
    return session.scalars(select(StreetAdoption)).all()


def look_up_adoptions(session: Session, street_ids: Collection[int]) -> list[StreetAdoption]:
    """These streets' adoptions with one query: `adoptions_for` then answers for them without a
    query per pick (until the transaction ends). The caller holds what this returns."""
    found: dict[int, list[StreetAdoption]] = {street_id: [] for street_id in street_ids}
    if found:
        with session.no_autoflush:
            query = select(StreetAdoption).where(StreetAdoption.street_id.in_(sorted(found)))
            for adoption in session.scalars(query):
                found[adoption.street_id].append(adoption)
    session.info.setdefault(ADOPTIONS_KEY, {}).update(found)
    return [adoption for adoptions in found.values() for adoption in adoptions]


def add_adoption(session: Session, adoption: StreetAdoption) -> None:
    """A new adoption, also in what a batch looked up for its street (`look_up_adoptions`)."""
    session.add(adoption)
    looked_up = session.info.get(ADOPTIONS_KEY, {}).get(adoption.street_id)
    if looked_up is not None:
        looked_up.append(adoption)


def adoptions_for(session: Session, street_id: int) -> Sequence[StreetAdoption]:
    """The street's adoptions, those this transaction added included, read without flushing what
    the session holds (asked once per pick: events applied together then flush once, not once
    each). Adoptions already stored come back as the session holds them, changes included."""
    looked_up = session.info.get(ADOPTIONS_KEY, {}).get(street_id)
    if looked_up is not None:
        return list(looked_up)
    with session.no_autoflush:
        stored = session.scalars(select(StreetAdoption).where(StreetAdoption.street_id == street_id)).all()
    added = [held for held in session.new if isinstance(held, StreetAdoption) and held.street_id == street_id]
    return [*stored, *added]


def active_adopter_count(session: Session, street_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                StreetAdoption.street_id == street_id, StreetAdoption.status.in_(COVERING_STATUSES)
            )
        )
        or 0
    )


def adopted_street_ids(session: Session, among: Select[int] | None = None) -> set[int]:
    """Streets with at least one adoption that covers them (``among``: only these streets)."""
    query = select(StreetAdoption.street_id).where(StreetAdoption.status.in_(COVERING_STATUSES))
    if among is not None:
        query = query.where(StreetAdoption.street_id.in_(among))
    return set(session.scalars(query))


def look_up_applied(session: Session, report_ids: Collection[int], picks: Collection[tuple[int, int]]) -> None:
    """Which of these reports and (pick, street) pairs were applied before, with one query each:
    `report_filed_before` and `pick_exists` then answer for them without a query per event
    (until the transaction ends)."""
    looked_up: dict[tuple[type[Any], Any], bool] = {(StreetReport, report_id): False for report_id in report_ids}
    looked_up.update({(StreetPick, pick): False for pick in picks})
    if report_ids:
        query = select(StreetReport.report_id).where(StreetReport.report_id.in_(sorted(report_ids)))
        looked_up.update({(StreetReport, report_id): True for report_id in session.scalars(query)})
    if picks:
        stored_picks = select(StreetPick.pick_id, StreetPick.street_id).where(
            StreetPick.pick_id.in_(sorted({pick_id for pick_id, _ in picks}))
        )
        looked_up.update({(StreetPick, (row.pick_id, row.street_id)): True for row in session.execute(stored_picks)})
    session.info[APPLIED_BEFORE_KEY] = looked_up


def _stored_before(session: Session, model: type[Any], identity: Any) -> bool:
    """From what the batch looked up (`look_up_applied`), else asked without flushing what the
    session holds. Either way events applied together write their rows in one flush instead of
    one each; a twin still pending in the same transaction is caught by the primary key at the
    flush, and a batch that fails is applied event by event."""
    looked_up = session.info.get(APPLIED_BEFORE_KEY, {})
    if (model, identity) in looked_up:
        return bool(looked_up[(model, identity)])
    with session.no_autoflush:
        return session.get(model, identity) is not None


def pick_exists(session: Session, pick_id: int, street_id: int) -> bool:
    """Whether this pick on this street was applied before this transaction."""
    return _stored_before(session, StreetPick, (pick_id, street_id))


def report_filed_before(session: Session, report_id: int) -> bool:
    """Whether this report's filing was applied before this transaction."""
    return _stored_before(session, StreetReport, report_id)


def last_pick_at(session: Session, street_id: int) -> datetime | None:
    return session.scalar(select(func.max(StreetPick.picked_at)).where(StreetPick.street_id == street_id))


def pick_times_since(session: Session, since: datetime) -> Sequence[tuple[int, datetime]]:
    """(street id, picked at) of every logged pick since ``since``: adopters' rhythms are learnt from them."""
    rows = session.execute(
        select(StreetPick.street_id, StreetPick.picked_at).where(StreetPick.picked_at >= since)
    ).all()
    return [(street_id, picked_at) for street_id, picked_at in rows]


def picks_of(session: Session, street_id: int, limit: int) -> Sequence[StreetPick]:
    """A street's latest logged picks, newest first."""
    return session.scalars(
        select(StreetPick).where(StreetPick.street_id == street_id).order_by(StreetPick.picked_at.desc()).limit(limit)
    ).all()


def cleanup(session: Session, session_id: int, street_id: int) -> PlannedCleanup | None:
    return session.get(PlannedCleanup, (session_id, street_id))


def cleanups_between(session: Session, start: datetime, end: datetime) -> Sequence[PlannedCleanup]:
    return session.scalars(
        select(PlannedCleanup).where(
            PlannedCleanup.status == "planned", PlannedCleanup.starts_at >= start, PlannedCleanup.starts_at < end
        )
    ).all()


def bag_pickup(session: Session, request_id: int) -> BagPickup | None:
    return session.get(BagPickup, request_id)


def waiting_bags(session: Session) -> Sequence[BagPickup]:
    return session.scalars(select(BagPickup).where(BagPickup.collected_at.is_(None))).all()


def inspection(session: Session, inspection_id: int) -> StreetInspection | None:
    return session.get(StreetInspection, inspection_id)


def inspections_of(session: Session, street_id: int, limit: int) -> Sequence[StreetInspection]:
    """A street's latest inspections, newest first."""
    return session.scalars(
        select(StreetInspection)
        .where(StreetInspection.street_id == street_id)
        .order_by(StreetInspection.inspected_at.desc())
        .limit(limit)
    ).all()


def snapshot(session: Session, snapshot_id: int) -> EstimateSnapshot | None:
    return session.get(EstimateSnapshot, snapshot_id)


def snapshots_of(session: Session, street_id: int, limit: int) -> Sequence[EstimateSnapshot]:
    """A street's latest estimate snapshots, oldest first."""
    rows = session.scalars(
        select(EstimateSnapshot)
        .where(EstimateSnapshot.street_id == street_id)
        .order_by(EstimateSnapshot.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def weekday_learner(session: Session) -> WeekdayLearner:
    """Every kind's weekday statistics, as one learner: read once per transaction (events applied
    together each ask for it), and again after `add_weekday_evidence` changed it."""
    learner = session.info.get(WEEKDAY_LEARNER_KEY)
    if learner is None:
        rows = session.scalars(select(WeekdayLearning))
        learner = session.info[WEEKDAY_LEARNER_KEY] = WeekdayLearner.from_dict({r.street_kind: r.stats for r in rows})
    return learner


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_what_the_transaction_read(session: Session, *_: object) -> None:
    """The next transaction reads the statistics, and what was applied, again (another process
    may have learnt or applied since)."""
    session.info.pop(WEEKDAY_LEARNER_KEY, None)
    session.info.pop(APPLIED_BEFORE_KEY, None)
    session.info.pop(ADOPTIONS_KEY, None)


def add_weekday_evidence(
    session: Session, street_kind: str, evidence: BuildUpEvidence, *, forget: bool = False
) -> None:
    """One more measurement of build-up for the kind's statistics, or one fewer with ``forget``
    (its row locked while it changes)."""
    row = session.scalars(
        select(WeekdayLearning).where(WeekdayLearning.street_kind == street_kind).with_for_update()
    ).first()
    session.info.pop(WEEKDAY_LEARNER_KEY, None)
    learner = WeekdayLearner.from_dict({street_kind: row.stats} if row is not None else {})
    stats = learner.learn(street_kind, evidence, forget=forget).to_dict()[street_kind]
    if row is None:
        session.add(WeekdayLearning(street_kind=street_kind, stats=stats))
    else:
        row.stats = stats
