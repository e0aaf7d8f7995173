"""Figures from the runs: the JSON summary and the PNG plots (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .runner import Result
from .truth import World

KM = 1000.0


def _r(x: float, digits: int = 4) -> float:
    return round(float(x), digits)


def policy_figures(result: Result, world: World) -> dict[str, Any]:
    streets = world.streets
    districts: dict[str, Any] = {}
    for district in world.districts:
        members = np.array([s.district == district for s in streets])
        km = sum(s.length_m for s in streets if s.district == district) / KM
        hours = float(result.crew_hours_by_street[members].sum())
        districts[district] = {
            "streets": int(members.sum()),
            "km": _r(km, 2),
            "crew_hours": _r(hours, 2),
            "crew_hours_per_km": _r(hours / km if km else 0.0, 3),
            "share_at_or_above_target": _r(result.at_target[:, members].mean()) if result.days else 0.0,
            "share_c_or_d": _r(result.c_or_d[:, members].mean()) if result.days else 0.0,
            "volunteer_coverage": _r(result.volunteer_active[:, members].mean()) if result.days else 0.0,
        }
    lengths = np.array([s.length_m for s in streets])
    volunteer_streets = result.volunteer_active.any(axis=0) if result.days else np.zeros(len(streets), dtype=bool)
    km_with = float(lengths[volunteer_streets].sum()) / KM
    km_without = float(lengths[~volunteer_streets].sum()) / KM
    waits = result.dirty_waits
    return {
        "crew_hours": _r(result.crew_hours, 2),
        "share_at_or_above_target": _r(result.at_target.mean()) if result.days else 0.0,
        "share_c_or_d": _r(result.c_or_d.mean()) if result.days else 0.0,
        "mean_days_dirty_street_waits": _r(float(np.mean(waits)) if waits else 0.0, 3),
        "dirty_episodes": len(waits),
        "visits": result.visits,
        "mean_litter": _r(result.mean_litter.mean()) if result.days else 0.0,
        "crew_hours_on_streets_with_volunteers": _r(result.crew_hours_with_volunteers, 2),
        "crew_hours_on_streets_without_volunteers": _r(result.crew_hours_without_volunteers, 2),
        "crew_hours_per_km_with_volunteers": _r(result.crew_hours_with_volunteers / km_with if km_with else 0.0, 3),
        "crew_hours_per_km_without_volunteers": _r(
            result.crew_hours_without_volunteers / km_without if km_without else 0.0, 3
        ),
        "districts": districts,
        "daily": {
            "share_at_or_above_target": [_r(x) for x in result.at_target.mean(axis=1)] if result.days else [],
            "mean_litter": [_r(x) for x in result.mean_litter.mean(axis=1)] if result.days else [],
            "crew_hours": [_r(x, 3) for x in result.daily_crew_hours],
        },
    }


def comparison(policies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The mission's figure: adaptive vs fixed and vs oracle."""
    out: dict[str, Any] = {}
    fixed, adaptive, oracle = policies.get("fixed"), policies.get("adaptive"), policies.get("oracle")
    if fixed and adaptive and fixed["crew_hours"] > 0:
        saving = 1.0 - adaptive["crew_hours"] / fixed["crew_hours"]
        out["adaptive_crew_hours_saved_vs_fixed"] = _r(saving)
        out["adaptive_at_least_as_clean_as_fixed"] = (
            adaptive["share_at_or_above_target"] >= fixed["share_at_or_above_target"]
        )
        out["adaptive_saves_30_percent"] = saving >= 0.30
    if oracle and adaptive and oracle["crew_hours"] > 0:
        excess = adaptive["crew_hours"] / oracle["crew_hours"] - 1.0
        out["adaptive_crew_hours_over_oracle"] = _r(excess)
        out["adaptive_within_15_percent_of_oracle"] = excess <= 0.15
        out["oracle_minus_adaptive_share_at_target"] = _r(
            oracle["share_at_or_above_target"] - adaptive["share_at_or_above_target"]
        )
    if adaptive and "adaptive-no-volunteers" in policies:
        alone = policies["adaptive-no-volunteers"]
        out["crew_hours_volunteers_are_worth"] = _r(alone["crew_hours"] - adaptive["crew_hours"], 2)
    return out


COLOURS = {"fixed": "#7f7f7f", "adaptive": "#1f77b4", "oracle": "#2ca02c", "adaptive-no-volunteers": "#ff7f0e"}


def plot(path: str | Path, summary: dict[str, Any]) -> None:
    """Level over time per policy; crew hours per district against volunteer coverage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    policies: dict[str, Any] = summary["policies"]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    share_ax, litter_ax, hours_ax, district_ax = axes.ravel()
    for name, figures in policies.items():
        colour = COLOURS.get(name)
        daily = figures["daily"]
        days = np.arange(1, len(daily["mean_litter"]) + 1)
        share_ax.plot(days, daily["share_at_or_above_target"], label=name, color=colour)
        litter_ax.plot(days, daily["mean_litter"], label=name, color=colour)
        hours_ax.plot(days, np.cumsum(daily["crew_hours"]), label=name, color=colour)
        coverage = [d["volunteer_coverage"] for d in figures["districts"].values()]
        per_km = [d["crew_hours_per_km"] for d in figures["districts"].values()]
        district_ax.scatter(coverage, per_km, label=name, color=colour)
    share_ax.set(title="street-days at or above target", xlabel="day", ylabel="share of streets", ylim=(0, 1.02))
    litter_ax.axhline(3.0, color="red", linestyle=":", linewidth=1)
    litter_ax.set(title="mean litter index (A+ 0–1 … B 2–3, C 3–4)", xlabel="day", ylabel="litter index")
    hours_ax.set(title="crew hours, cumulative", xlabel="day", ylabel="crew hours")
    district_ax.set(
        title="crew hours per km of street per district vs volunteer coverage",
        xlabel="share of street-days with an adopter",
        ylabel="crew hours per km",
    )
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    scenario = summary.get("scenario", "")
    fig.suptitle(f"streetcare simulate — {scenario}, {summary['days']} days, seed {summary['seed']}")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
