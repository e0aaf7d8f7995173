"""Migration 0011 gives the plans stored before reasons and triggers had codes theirs, from their
English text, so the dispatch page says yesterday's plans in the reader's language too; what does
not parse stays English only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from kernel.migrations import upgrade
from services.scheduling.planning import reasons

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
MADE = "2025-05-22 06:00:00"  # a Thursday

REASONS = [
    "no pick logged for 3 weeks on a weekly adoption; 2 reports since Monday; no crew visit on record; "
    "expected level C; added beyond the district's baseline",
    "not adopted; last volunteer pick 5 days ago; inspected C on 19 May; last crew visit 1 day ago; "
    "expected level B; within the district's baseline",
    "2 bags waiting since yesterday; within the district's baseline",
    "moved here by the dispatcher from 2025-05-21",
    "swept because the mayor walks by",  # a reason no planner wrote: stays English only
]
TRIGGERS = ["crew Noord 1 off on 2025-05-23", "litter reported on Mannerheimintie", "something new"]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_plans_stored_before_get_their_reason_and_trigger_codes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scheduling.db'}"
    upgrade(MIGRATIONS, url, "0010")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for number, trigger in enumerate(TRIGGERS, start=1):
                connection.execute(
                    text(
                        "INSERT INTO plan_versions (id, plan_date, version, created_at, trigger, visits, added, "
                        "removed, reordered, prize_collected, prize_available, crew_hours, solve_seconds, crews, "
                        "dropped) VALUES (:id, '2025-05-22', :id, :made, :trigger, 0, 0, 0, 0, 0, 0, 0, 0, '[]', '[]')"
                    ),
                    {"id": number, "made": MADE, "trigger": trigger},
                )
            for number, reason in enumerate(REASONS, start=1):
                connection.execute(
                    text(
                        "INSERT INTO plan_entries (id, version_id, visit_id, crew_id, position, eta, "
                        "service_seconds, prize, reason, fixed) VALUES (:id, 1, :id, 1, :id, :made, 60, 1, :reason, 0)"
                    ),
                    {"id": number, "made": MADE, "reason": reason},
                )
            for number, (change, reason) in enumerate(
                [
                    ("removed", "left out: no bulky_truck crew today"),
                    ("removed", "left out: a new why"),
                    ("added", REASONS[2]),
                ],
                start=1,
            ):
                connection.execute(
                    text(
                        "INSERT INTO plan_changes (id, version_id, change, visit_id, candidate_id, street_id, reason) "
                        "VALUES (:id, 1, :change, :id, 'x', 1, :reason)"
                    ),
                    {"id": number, "change": change, "reason": reason},
                )
        upgrade(MIGRATIONS, url)
        with engine.connect() as connection:
            entries = [
                (reason, _json(parts))
                for reason, parts in connection.execute(
                    text("SELECT reason, reason_parts FROM plan_entries ORDER BY id")
                )
            ]
            changes = [
                _json(p) for (p,) in connection.execute(text("SELECT reason_parts FROM plan_changes ORDER BY id"))
            ]
            versions = [
                (code, _json(params))
                for code, params in connection.execute(
                    text("SELECT trigger_code, trigger_params FROM plan_versions ORDER BY id")
                )
            ]
    finally:
        engine.dispose()
    # every parsed reason reads back word for word from its parts
    for reason, parts in entries[:4]:
        assert reasons.phrase(reasons.parts_from(parts)) == reason
    assert entries[0][1][:2] == [
        {"code": "no_pick_on_adoption", "params": {"days": 21, "rhythm": "weekly"}},
        {"code": "reports_since", "params": {"count": 2, "since": "2025-05-19", "since_days": 3}},
    ]
    assert entries[1][1][2] == {"code": "inspected", "params": {"level": "C", "on": "2025-05-19"}}
    assert entries[4][1] is None
    assert changes == [
        [{"code": "left_out", "params": {"why": {"code": "no_crew_of_mode", "params": {"mode": "bulky_truck"}}}}],
        None,
        entries[2][1],
    ]
    assert versions == [
        ("crew_off", {"crew": "Noord 1", "day": "2025-05-23"}),
        ("reported", {"category": "litter", "street": "Mannerheimintie"}),
        (None, None),
    ]
