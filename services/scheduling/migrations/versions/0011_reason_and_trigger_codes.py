"""Visit reasons and triggers as codes and params: plan_entries.reason_parts,
plan_changes.reason_parts, plan_versions.trigger_code/trigger_params and
plan_dirty_days.reason_code/reason_params; the rows written before are given theirs from their
English text where it parses (a reason with one fact that does not stays text only)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The English the planner and the service wrote until now, frozen here (planning/reasons.py and
# dirty/triggers.py may word them differently later).
LEVEL = r"(A\+|A|B|C|D)"
SPAN = r"(less than a day|\d+ days?|\d+ weeks|\d+ months)"
SINCE = r"(today|yesterday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|\d{1,2} [A-Z][a-z]{2})"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

FIXED_FACTS = {
    "adopters paused": "adopters_paused",
    "adoption lapsed": "adoption_lapsed",
    "not adopted": "not_adopted",
    "group clean-up planned that day": "cleanup_planned",
    "no crew visit on record": "no_visit",
    "within the district's baseline": "within_baseline",
    "added beyond the district's baseline": "added_beyond_baseline",
    "pinned by the dispatcher": "pinned",
}
LEFT_OUT = {
    "nothing to gain today": "nothing_to_gain",
    "no crew available": "no_crew",
    "no street-cleaning crew today": "no_cleaning_crew",
    "crews near it are full": "crews_full",
    "out of reach within a shift": "out_of_reach",
    "worth less than the crew time it costs": "not_worth_it",
    "worth less than the crew time it costs, travel included": "not_worth_the_trip",
    "not among the best candidates for its crews today": "not_among_best",
    "did not fit in the shifts": "did_not_fit",
}
REMOVED = {
    "no longer needed today": "no_longer_needed_today",
    "the bags were collected or withdrawn": "bags_gone",
    "the bulky-waste report was resolved or withdrawn": "bulky_gone",
    "no longer needed: expected to stay at target, or volunteers cover it": "not_needed",
}
FIXED_TRIGGERS = {
    "re-plan": "replan",
    "safety-net re-plan": "safety_net",
    "no plan yet": "no_plan_yet",
    "visit started": "visit_started",
    "visit done": "visit_done",
    "visit done undone": "visit_done_undone",
    "visit pinned by the dispatcher": "visit_pinned",
    "visit moved by the dispatcher": "visit_moved",
    "visit dropped by the dispatcher": "visit_dropped",
    "dispatcher's pin taken back": "pin_taken_back",
    "dispatcher's drop taken back": "drop_taken_back",
    "demo crews created": "demo_crews",
    "streets without reports yesterday learnt from the silence": "quiet_day_learnt",
    "bulky-waste report withdrawn": "bulky_withdrawn",
    "volunteer pick logged": "pick_logged",
    "group clean-up planned": "cleanup_planned",
    "group clean-up cancelled": "cleanup_cancelled",
}


def span_days(words: str) -> int:
    if words == "less than a day":
        return 0
    number, unit = words.split()
    return int(number) * {"day": 1, "days": 1, "weeks": 7, "months": 30}[unit]


def since(words: str, now: date) -> dict[str, Any]:
    if words == "today":
        day = now
    elif words == "yesterday":
        day = now - timedelta(days=1)
    elif words in WEEKDAYS:
        back = (now.weekday() - WEEKDAYS.index(words)) % 7 or 7
        day = now - timedelta(days=back)
    else:
        number, month = words.split()
        day = date(now.year, MONTHS.index(month) + 1, int(number))
        if day > now:
            day = day.replace(year=now.year - 1)
    return {"since": day.isoformat(), "since_days": (now - day).days}


def fact(words: str, now: date) -> dict[str, Any] | None:
    """One fact of a visit's reason as {code, params}; None when it does not parse."""
    if words in FIXED_FACTS:
        return {"code": FIXED_FACTS[words], "params": {}}
    patterns: list[tuple[str, Any]] = [
        (rf"no pick logged for {SPAN} on a (weekly|fortnightly|monthly) adoption",
         lambda m: ("no_pick_on_adoption", {"days": span_days(m[1]), "rhythm": m[2]})),
        (rf"adopted {SPAN} ago, no pick logged yet", lambda m: ("adopted_no_pick", {"days": span_days(m[1])})),
        (rf"last volunteer pick {SPAN} ago", lambda m: ("last_volunteer_pick", {"days": span_days(m[1])})),
        (rf"(\d+) reports? since {SINCE}", lambda m: ("reports_since", {"count": int(m[1]), **since(m[2], now)})),
        (rf"last crew visit {SPAN} ago", lambda m: ("last_visit", {"days": span_days(m[1])})),
        (rf"inspected {LEVEL} on (\d{{1,2}}) ([A-Z][a-z]{{2}})",
         lambda m: ("inspected", {"level": m[1], "on": since(f"{m[2]} {m[3]}", now)["since"]})),
        (rf"expected level {LEVEL}", lambda m: ("expected_level", {"level": m[1]})),
        (rf"(\d+) bags? waiting since {SINCE}", lambda m: ("bags_waiting", {"count": int(m[1]), **since(m[2], now)})),
        (rf"bulky waste reported {SINCE}", lambda m: ("bulky_reported", since(m[1], now))),
        (rf"bulky waste reported {SINCE}: (.+)",
         lambda m: ("bulky_reported_what", {**since(m[1], now), "description": m[2]})),
        (r"moved here by the dispatcher from (\d{4}-\d{2}-\d{2})", lambda m: ("moved_here", {"from": m[1]})),
    ]
    for pattern, make in patterns:
        match = re.fullmatch(pattern, words)
        if match:
            try:
                code, params = make(match)
            except (ValueError, KeyError):
                return None
            return {"code": code, "params": params}
    return None


def visit_reason(text: str, now: date) -> list[dict[str, Any]] | None:
    parts = [fact(words, now) for words in text.split("; ")]
    return None if any(p is None for p in parts) else [p for p in parts if p is not None]


def removal_reason(text: str, now: date) -> list[dict[str, Any]] | None:
    if text in REMOVED:
        return [{"code": REMOVED[text], "params": {}}]
    if text.startswith("left out: "):
        why = text.removeprefix("left out: ")
        mode = re.fullmatch(r"no (foot|sweeper|bulky_truck) crew today", why)
        if why in LEFT_OUT:
            inner = {"code": LEFT_OUT[why], "params": {}}
        elif mode:
            inner = {"code": "no_crew_of_mode", "params": {"mode": mode[1]}}
        else:
            return None
        return [{"code": "left_out", "params": {"why": inner}}]
    return visit_reason(text, now)


def trigger(text: str) -> tuple[str, dict[str, Any]] | None:
    if text in FIXED_TRIGGERS:
        return FIXED_TRIGGERS[text], {}
    patterns: list[tuple[str, Any]] = [
        (r"re-plan asked by (.+)", lambda m: ("replan_asked", {"by": m[1]})),
        (r"crew (.+) off on (\d{4}-\d{2}-\d{2})", lambda m: ("crew_off", {"crew": m[1], "day": m[2]})),
        (r"crew (.+) back on (\d{4}-\d{2}-\d{2})", lambda m: ("crew_back", {"crew": m[1], "day": m[2]})),
        (r"crew (.+) (added|changed|removed)", lambda m: (f"crew_{m[2]}", {"crew": m[1]})),
        (rf"target of (.+) set to {LEVEL}", lambda m: ("district_target", {"district": m[1], "level": m[2]})),
        (r"baseline of (.+) set to ([0-9.e+]+) crew hours a week",
         lambda m: ("district_baseline", {"district": m[1], "hours": float(m[2])})),
        (r"adoption of (.+) (active|paused|lapsed|ended)", lambda m: (f"adoption_{m[2]}", {"street": m[1]})),
        (r"(\d+) bags ready for collection", lambda m: ("bags_ready", {"count": int(m[1])})),
        (rf"(.+) inspected {LEVEL}", lambda m: ("inspected", {"street": m[1], "level": m[2]})),
        (r"([a-z_]+) reported on (.+)", lambda m: ("reported", {"category": m[1], "street": m[2]})),
    ]
    for pattern, make in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            try:
                code, params = make(match)
            except ValueError:
                return None
            return code, params
    return None


def _day(moment: datetime | str | None) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.date() if moment is not None else date.today()


NEW_COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "plan_entries": [("reason_parts", sa.JSON())],
    "plan_changes": [("reason_parts", sa.JSON())],
    "plan_versions": [("trigger_code", sa.String(40)), ("trigger_params", sa.JSON())],
    "plan_dirty_days": [("reason_code", sa.String(40)), ("reason_params", sa.JSON())],
}


def upgrade() -> None:
    for table_name, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table_name) as batch:
            for column, kind in columns:
                batch.add_column(sa.Column(column, kind, nullable=True))

    versions = sa.table(
        "plan_versions",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("trigger", sa.String),
        sa.column("trigger_code", sa.String),
        sa.column("trigger_params", sa.JSON),
    )
    connection = op.get_bind()
    made_on: dict[int, date] = {}
    for version_id, created_at, text in connection.execute(
        sa.select(versions.c.id, versions.c.created_at, versions.c.trigger)
    ).fetchall():
        made_on[version_id] = _day(created_at)
        found = trigger(text or "")
        if found is not None:
            connection.execute(
                versions.update()
                .where(versions.c.id == version_id)
                .values(trigger_code=found[0], trigger_params=found[1])
            )
    for name in ("plan_entries", "plan_changes"):
        table = sa.table(
            name,
            sa.column("id", sa.Integer),
            sa.column("version_id", sa.Integer),
            sa.column("reason", sa.String),
            sa.column("reason_parts", sa.JSON),
            *([sa.column("change", sa.String)] if name == "plan_changes" else []),
        )
        kind = table.c.change if name == "plan_changes" else sa.literal("")
        rows = connection.execute(sa.select(table.c.id, table.c.version_id, kind, table.c.reason)).fetchall()
        for row_id, version_id, change, text in rows:
            now = made_on.get(version_id, date.today())
            parts = removal_reason(text or "", now) if change == "removed" else visit_reason(text or "", now)
            if parts:
                connection.execute(table.update().where(table.c.id == row_id).values(reason_parts=parts))
    # plan_dirty_days: a mark lives seconds until its re-plan; one without a code re-plans as "re-plan"


def downgrade() -> None:
    for table_name, columns in reversed(NEW_COLUMNS.items()):
        with op.batch_alter_table(table_name) as batch:
            for column, _kind in reversed(columns):
                batch.drop_column(column)
