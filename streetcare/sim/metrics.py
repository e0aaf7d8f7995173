"""Cleanliness measured as a municipality measures it (CROW), and crew effort in two currencies.

A municipality inspects units of street and reports the share at or above a level and the share
at D. Here every street-day is inspected (the simulator knows the truth), weighted by the street's
length: a long dirty street counts for more than a short one.

Response figures for scenario events: how fast crews come to a street whose adopters stopped
without telling anyone, and whether they leave a newly adopted street before its first pick.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .runner import Result
from .truth import World

FLOOR_SHARE_OF_STREETS = 0.05
D_RUN_DAYS = 3
"""A street "stays at D" when it is at D for more than this many days in a row."""
HANDOVER_GRACE_DAYS = 2
"""A newly adopted street that is dirty and waits longer than this for a crew was withdrawn from."""


def _r(x: float, digits: int = 4) -> float:
    return round(float(x), digits)


def _longest_run(flags: np.ndarray) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def dirty_waits(at_target: np.ndarray) -> list[int]:
    """Days each below-target episode lasted (an episode still open at the end counts as it stands)."""
    waits: list[int] = []
    for street in range(at_target.shape[1]):
        run = 0
        for clean in at_target[:, street]:
            if not clean:
                run += 1
            elif run:
                waits.append(run)
                run = 0
        if run:
            waits.append(run)
    return waits


def percentile(values: list[float] | list[int], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else 0.0


def cleanliness(result: Result, world: World) -> dict[str, Any]:
    """The CROW-style figures and the effort of one run."""
    lengths = np.array([s.length_m for s in world.streets])
    days = max(1, result.days)
    km_weight = lengths / lengths.sum()
    per_street = result.at_target.mean(axis=0) if result.days else np.ones(len(lengths))
    worst = max(1, math.ceil(FLOOR_SHARE_OF_STREETS * len(lengths)))
    waits = dirty_waits(result.at_target)
    at_d = result.share_d
    rhythms: dict[str, Any] = {}
    for rhythm in ("weekly", "fortnightly", "monthly"):
        streets = sorted({v.street for v in world.volunteers if v.rhythm.value == rhythm and not v.joined})
        rhythms[rhythm] = {
            "streets": len(streets),
            "share_at_target": _r(result.at_target[:, streets].mean()) if streets and result.days else None,
        }
    return {
        "knob": result.knob,
        "crew_hours": _r(result.crew_hours, 2),
        "route_hours": _r(result.route_hours, 2),
        "crew_shifts": int(sum(result.daily_crew_shifts)),
        "clean_share_km": _r(float((result.at_target.mean(axis=0) * km_weight).sum()) if result.days else 1.0),
        "share_d_km": _r(float((at_d.mean(axis=0) * km_weight).sum()) if result.days else 0.0),
        "floor_share": _r(float(np.sort(per_street)[:worst].mean())),
        "clean_share_streets": _r(result.at_target.mean() if result.days else 1.0),
        "streets_at_d_over_3_days": int(sum(_longest_run(at_d[:, i]) > D_RUN_DAYS for i in range(len(lengths)))),
        "dirty_wait_days": {
            "mean": _r(float(np.mean(waits)) if waits else 0.0, 2),
            "p90": _r(percentile(waits, 90), 2),
        },
        "adopted_at_target_by_rhythm": rhythms,
        "visits": result.visits,
        "travel_hours": _r(result.travel_hours, 2),
        "travel_s_per_visit": _r(result.travel_hours * 3600.0 / result.visits, 1) if result.visits else None,
        "days_at_crew_cap": result.days_at_cap,
        "at_crew_cap": bool(result.capped and result.days_at_cap >= 0.25 * days),
    }


def _stopped_streets(world: World) -> dict[int, int]:
    """Street → measured day its adopters stopped silently in a scenario event."""
    stopped: dict[int, int] = {}
    for volunteer in world.volunteers:
        if volunteer.stopped_by_event and not volunteer.stop_announced and volunteer.stop_day is not None:
            stopped[volunteer.street] = volunteer.stop_day - world.history_days
    still_picked = {
        v.street
        for v in world.volunteers
        if not v.stopped_by_event and (v.stop_day is None or v.stop_day > world.history_days)
    }
    return {i: day for i, day in stopped.items() if i not in still_picked}


def _joined_streets(world: World) -> dict[int, tuple[int, int | None]]:
    """Street → (measured day of the new adoption, measured day of its first pick or None)."""
    joined: dict[int, tuple[int, int | None]] = {}
    for volunteer in world.volunteers:
        if volunteer.joined:
            start = volunteer.started_day - world.history_days
            first = min((d for d in volunteer.pick_days if d >= volunteer.started_day), default=None)
            joined[volunteer.street] = (start, None if first is None else first - world.history_days)
    return joined


def _left_dirty(result: Result, street: int, span: range) -> bool:
    """Whether ``street`` had a day in ``span`` below target with no crew visit within the grace days."""
    for m in span:
        if result.at_target[m, street]:
            continue
        horizon = range(m, min(result.days, m + HANDOVER_GRACE_DAYS + 1))
        if not result.visited[list(horizon), street].any() and len(horizon) > HANDOVER_GRACE_DAYS:
            return True
    return False


def _never_adopted_neighbours(world: World, joined: dict[int, tuple[int, int | None]]) -> dict[int, list[int]]:
    """Joined street → the streets of its district that never had an adopter: what a newly adopted
    street would be, with no credit for its adopter, if the adoption changed nothing."""
    adopted = {v.street for v in world.volunteers}
    by_district: dict[str, list[int]] = {}
    for i, street in enumerate(world.streets):
        if i not in adopted:
            by_district.setdefault(street.district, []).append(i)
    return {i: by_district.get(world.streets[i].district, []) for i in joined}


def response(result: Result, world: World) -> dict[str, Any]:
    """Raw response observations of one run (pooled over seeds by :func:`summarise_response`)."""
    waits: list[int] = []
    never_visited = 0
    stopped = _stopped_streets(world)
    for i, since in stopped.items():
        dirty = [m for m in range(since, result.days) if not result.at_target[m, i]]
        if not dirty:
            continue
        first = dirty[0]
        visits = [m for m in range(first, result.days) if result.visited[m, i]]
        if visits:
            waits.append(visits[0] - first)
        else:
            waits.append(result.days - first)
            never_visited += 1
    joined = _joined_streets(world)
    neighbours = _never_adopted_neighbours(world, joined)
    withdrawn = 0
    expected_unadopted = 0.0
    phases: dict[str, list[float]] = {"before": [], "handover": [], "after": []}
    visits_per_week: dict[str, list[float]] = {"before": [], "handover": [], "after": []}
    for i, (start, first_pick) in joined.items():
        end = result.days if first_pick is None else min(result.days, first_pick)
        spans = {
            "before": range(max(0, start - max(7, end - start)), start),
            "handover": range(start, end),
            "after": range(end, result.days),
        }
        for phase, span in spans.items():
            if len(span):
                phases[phase].append(float(result.at_target[list(span), i].mean()))
                visits_per_week[phase].append(float(result.visited[list(span), i].sum()) * 7.0 / len(span))
        withdrawn += _left_dirty(result, i, spans["handover"])
        if neighbours[i]:
            expected_unadopted += float(np.mean([_left_dirty(result, j, spans["handover"]) for j in neighbours[i]]))
    stopped_list, joined_list = sorted(stopped), sorted(joined)
    return {
        "stopped": {"streets": len(stopped), "waits": waits, "never_visited": never_visited},
        "joined": {
            "streets": len(joined),
            "withdrawn": withdrawn,
            "left_dirty_if_never_adopted": expected_unadopted,
            "share_at_target": phases,
            "visits_per_street_week": visits_per_week,
        },
        "daily": {
            "stopped_share_at_target": [_r(x) for x in result.at_target[:, stopped_list].mean(axis=1)]
            if stopped_list
            else [],
            "joined_share_at_target": [_r(x) for x in result.at_target[:, joined_list].mean(axis=1)]
            if joined_list
            else [],
        },
    }


def summarise_response(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled over seeds: the interface's ``response`` block."""
    waits = [w for run in runs for w in run["stopped"]["waits"]]

    def pooled_mean(key: str, phase: str) -> float | None:
        values = [x for run in runs for x in run["joined"][key][phase]]
        return _r(float(np.mean(values))) if values else None

    joined_streets = sum(run["joined"]["streets"] for run in runs)
    return {
        "stopped_streets": {
            "streets": sum(run["stopped"]["streets"] for run in runs),
            "went_below_target": len(waits),
            "never_visited": sum(run["stopped"]["never_visited"] for run in runs),
            "days_dirty_to_visit": {
                "median": _r(percentile(waits, 50), 2) if waits else None,
                "p90": _r(percentile(waits, 90), 2) if waits else None,
                "max": max(waits) if waits else None,
            },
        },
        "joined_streets": {
            "streets": joined_streets,
            "withdrawn_before_first_pick": sum(run["joined"]["withdrawn"] for run in runs),
            # the same count expected of the district's never-adopted streets over the same days: the
            # product's ordinary gaps, which a new adoption (no credit before its first pick) shares
            "left_dirty_if_never_adopted": _r(sum(run["joined"]["left_dirty_if_never_adopted"] for run in runs), 1),
            "share_at_target": {
                phase: pooled_mean("share_at_target", phase) for phase in ("before", "handover", "after")
            },
            "visits_per_street_week": {
                phase: pooled_mean("visits_per_street_week", phase) for phase in ("before", "handover", "after")
            },
        },
    }
