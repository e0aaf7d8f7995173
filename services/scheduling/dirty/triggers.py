"""What made a day's plan change (a version's *trigger*), as a code and params.

Each dirty mark carries one, and the re-plan it causes stores it on the version it makes: the API
keeps the English ``trigger`` (made here) and adds ``trigger_code`` and ``trigger_params``, which
the dispatch page says from the one catalogue (``dispatch.trigger.<code>``). Params follow the
conventions of :mod:`services.scheduling.planning.reasons`; ``day`` is an ISO date.
"""

from __future__ import annotations

from typing import Any

from services.scheduling.planning.reasons import Part, english

__all__ = ["TRIGGERS", "Part", "text", "trigger"]

TRIGGERS: dict[str, str | tuple[str, str]] = {
    "replan": "re-plan",
    "replan_asked": "re-plan asked by {by}",
    "safety_net": "safety-net re-plan",
    "no_plan_yet": "no plan yet",
    "visit_started": "visit started",
    "visit_done": "visit done",
    "visit_done_undone": "visit done undone",
    "visit_pinned": "visit pinned by the dispatcher",
    "visit_moved": "visit moved by the dispatcher",
    "visit_dropped": "visit dropped by the dispatcher",
    "pin_taken_back": "dispatcher's pin taken back",
    "drop_taken_back": "dispatcher's drop taken back",
    "crew_added": "crew {crew} added",
    "crew_changed": "crew {crew} changed",
    "crew_removed": "crew {crew} removed",
    "crew_off": "crew {crew} off on {day}",
    "crew_back": "crew {crew} back on {day}",
    "demo_crews": "demo crews created",
    "district_target": "target of {district} set to {level}",
    "district_baseline": "baseline of {district} set to {hours:g} crew hours a week",
    "reported": "{category} reported on {street}",
    "quiet_day_learnt": "streets without reports yesterday learnt from the silence",
    "bulky_withdrawn": "bulky-waste report withdrawn",
    "pick_logged": "volunteer pick logged",
    "adoption_active": "adoption of {street} active",
    "adoption_paused": "adoption of {street} paused",
    "adoption_lapsed": "adoption of {street} lapsed",
    "adoption_ended": "adoption of {street} ended",
    "inspected": "{street} inspected {level}",
    "cleanup_planned": "group clean-up planned",
    "cleanup_cancelled": "group clean-up cancelled",
    "bags_ready": ("{count} bag ready for collection", "{count} bags ready for collection"),
}
"""code → its English text (as the ``trigger`` field has read); a pair is (singular, plural) by ``count``."""


def trigger(code: str, **params: Any) -> Part:
    if code not in TRIGGERS:
        raise KeyError(f"no English text for the trigger {code!r}")
    return Part(code, params)


def text(said: Part) -> str:
    return english(said, TRIGGERS)[:200]
