"""Report statistics for the city, per district and category over a period — what FixMyStreet's
dashboard and Signalen's reports give:

- received: reports filed in the period (a duplicate counts once, on the report it joined);
- resolved: of those, resolved (by a crew or staff);
- overdue: of those, still open after their response target;
- median_hours_to_resolve: over the resolved ones;
- share_within_target: resolved on time ÷ (resolved + overdue) — the reports whose outcome against
  the target is known; null when there are none.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.reports.reports import repository as reports
from services.reports.reports.lifecycle import OPEN_STATUSES
from services.reports.streets import repository as streets

UNKNOWN_DISTRICT = "(unknown street)"
TOTAL = "(all)"


@dataclass
class Tally:
    received: int = 0
    resolved: int = 0
    overdue: int = 0
    on_time: int = 0
    hours_to_resolve: list[float] | None = None

    def add(
        self, status: str, created_at: datetime, due_at: datetime, resolved_at: datetime | None, now: datetime
    ) -> None:
        self.received += 1
        if status == "resolved" and resolved_at is not None:
            self.resolved += 1
            self.on_time += resolved_at <= due_at
            if self.hours_to_resolve is None:
                self.hours_to_resolve = []
            self.hours_to_resolve.append((resolved_at - created_at).total_seconds() / 3600)
        elif status in OPEN_STATUSES and due_at < now:
            self.overdue += 1

    def figures(self) -> dict[str, Any]:
        known = self.resolved + self.overdue
        return {
            "received": self.received,
            "resolved": self.resolved,
            "overdue": self.overdue,
            "median_hours_to_resolve": round(statistics.median(self.hours_to_resolve), 2)
            if self.hours_to_resolve
            else None,
            "share_within_target": round(self.on_time / known, 4) if known else None,
        }


def report_statistics(
    session: Session, start: datetime, end: datetime, district: str | None, category: str | None, now: datetime
) -> list[dict[str, Any]]:
    """One row per (district, category) with reports, then the total row (district and category `(all)`)."""
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    total = Tally()
    district_of = streets.districts(session)
    in_district = [street_id for street_id, name in district_of.items() if name == district] if district else None
    for street_id, row_category, status, created_at, due_at, resolved_at in reports.received_between(
        session, start, end, category, in_district
    ):
        key = (district_of.get(street_id) or UNKNOWN_DISTRICT, row_category)
        tallies[key].add(status, created_at, due_at, resolved_at, now)
        total.add(status, created_at, due_at, resolved_at, now)
    rows = [{"district": d, "category": c, **tallies[(d, c)].figures()} for d, c in sorted(tallies)]
    rows.append({"district": TOTAL, "category": TOTAL, **total.figures()})
    return rows
