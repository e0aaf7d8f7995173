"""Why a street or stop is on a plan (or left off it), as parts a page can say in any language.

A reason is a sequence of :class:`Part`: a machine ``code`` and its ``params`` (plain JSON values).
The English text every API keeps returning is made from them here (:func:`phrase`: the parts'
texts joined by "; "); the pages say the same parts from the one catalogue
(``dispatch.reason.<code>`` in ``gateway/web/static/i18n/{nl,en}.json``).

Params follow a few conventions, so a page can word them in its own language:

* ``days`` — a span in whole days ("3 weeks");
* ``since`` (an ISO date) with ``since_days`` (how many days before the planning moment it was):
  "today", "yesterday", a weekday within a week, else the date;
* ``on`` / ``from`` — an ISO date;
* ``count`` — chooses between the singular and the plural;
* ``rhythm``, ``mode``, ``level`` — codes of their own (an adoption's rhythm, a crew mode, a CROW level);
* ``why`` — a nested part (what a removal was "left out" for).

Pure: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

__all__ = [
    "ENGLISH",
    "Part",
    "english",
    "humanize_days",
    "part",
    "parts_from",
    "parts_json",
    "phrase",
    "since_params",
    "text",
]

ENGLISH: dict[str, str | tuple[str, str]] = {
    # a street's facts (policy.street_reason)
    "adopters_paused": "adopters paused",
    "adoption_lapsed": "adoption lapsed",
    "no_pick_on_adoption": "no pick logged for {days} on a {rhythm} adoption",
    "adopted_no_pick": "adopted {days} ago, no pick logged yet",
    "not_adopted": "not adopted",
    "last_volunteer_pick": "last volunteer pick {days} ago",
    "cleanup_planned": "group clean-up planned that day",
    "reports_since": ("{count} report since {since}", "{count} reports since {since}"),
    "last_visit": "last crew visit {days} ago",
    "no_visit": "no crew visit on record",
    "inspected": "inspected {level} on {on}",
    "expected_level": "expected level {level}",
    "coming_due": "comes due in {days}, cleaned while a crew is close by",
    # plain stops (policy.stop_candidates)
    "bags_waiting": ("{count} bag waiting since {since}", "{count} bags waiting since {since}"),
    "bulky_reported": "bulky waste reported {since}",
    "bulky_reported_what": "bulky waste reported {since}: {description}",
    # the visit against its district's baseline (effort.visit_effort_words)
    "within_baseline": "within the district's baseline",
    "added_beyond_baseline": "added beyond the district's baseline",
    # the dispatcher's word
    "pinned": "pinned by the dispatcher",
    "moved_here": "moved here by the dispatcher from {from}",
    # why a candidate was left out (routing.plan_day)
    "nothing_to_gain": "nothing to gain today",
    "no_crew": "no crew available",
    "no_crew_of_mode": "no {mode} crew today",
    "no_cleaning_crew": "no street-cleaning crew today",
    "crews_full": "crews near it are full",
    "out_of_reach": "out of reach within a shift",
    "not_worth_it": "worth less than the crew time it costs",
    "not_worth_the_trip": "worth less than the crew time it costs, travel included",
    "crew_not_worth_a_shift": "too little work nearby to send a crew out today",
    "not_among_best": "not among the best candidates for its crews today",
    "did_not_fit": "did not fit in the shifts",
    # why a visit left the plan (plans.service)
    "left_out": "left out: {why}",
    "no_longer_needed_today": "no longer needed today",
    "bags_gone": "the bags were collected or withdrawn",
    "bulky_gone": "the bulky-waste report was resolved or withdrawn",
    "not_needed": "no longer needed: expected to stay at target, or volunteers cover it",
}
"""code → its English text; a pair is (singular, plural), chosen by the ``count`` param."""


@dataclass(frozen=True)
class Part:
    """One fact of a reason: a code and its params (``why`` may hold a nested part)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "params": {k: v.as_dict() if isinstance(v, Part) else v for k, v in self.params.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Part:
        params = {
            k: cls.from_dict(v) if isinstance(v, Mapping) and "code" in v else v
            for k, v in (data.get("params") or {}).items()
        }
        return cls(str(data["code"]), params)


def part(code: str, **params: Any) -> Part:
    if code not in ENGLISH:
        raise KeyError(f"no English text for the reason {code!r}")
    return Part(code, params)


def humanize_days(days: float) -> str:
    """'5 days', '3 weeks', '2 months': how a dispatcher says a span."""
    whole = int(days)
    if whole < 1:
        return "less than a day"
    if whole == 1:
        return "1 day"
    if whole < 14:
        return f"{whole} days"
    if whole < 60:
        return f"{whole // 7} weeks"
    return f"{whole // 30} months"


def since_params(moment: datetime, now: datetime) -> dict[str, Any]:
    """``since`` (the local date ``moment`` fell on) and ``since_days`` (days before ``now``'s date)."""
    local = moment.astimezone(now.tzinfo) if moment.tzinfo and now.tzinfo else moment
    return {"since": local.date().isoformat(), "since_days": (now.date() - local.date()).days}


def _since_words(since: str, since_days: int) -> str:
    """'today', 'yesterday', 'Monday', '3 May'."""
    if since_days <= 0:
        return "today"
    if since_days == 1:
        return "yesterday"
    day = date.fromisoformat(since)
    if since_days < 7:
        return day.strftime("%A")
    return f"{day.day} {day.strftime('%b')}"


def _words(params: Mapping[str, Any], table: Mapping[str, str | tuple[str, str]]) -> dict[str, Any]:
    words: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Part):
            words[key] = english(value, table)
        elif key == "days":
            words[key] = humanize_days(value)
        elif key == "on":
            day = date.fromisoformat(value)
            words[key] = f"{day.day} {day.strftime('%b')}"
        else:
            words[key] = value
    if "since" in params:
        words["since"] = _since_words(params["since"], int(params.get("since_days", 0)))
    return words


def english(said: Part, table: Mapping[str, str | tuple[str, str]] = ENGLISH) -> str:
    """The English text of a part, from ``table`` (code → text, or singular/plural by ``count``)."""
    template = table[said.code]
    if isinstance(template, tuple):
        template = template[0] if said.params.get("count") == 1 else template[1]
    return template.format(**_words(said.params, table))


def text(said: Part) -> str:
    return english(said, ENGLISH)


def phrase(parts: Iterable[Part], table: Mapping[str, str | tuple[str, str]] = ENGLISH) -> str:
    """The parts in English, as the API's ``reason`` fields have always read."""
    return "; ".join(english(p, table) for p in parts)


def parts_json(parts: Sequence[Part]) -> list[dict[str, Any]]:
    return [p.as_dict() for p in parts]


def parts_from(rows: Iterable[Mapping[str, Any]] | None) -> tuple[Part, ...]:
    return tuple(Part.from_dict(row) for row in rows or ())
