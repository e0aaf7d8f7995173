"""Figures from the runs: the tables on stdout and the PNG plots (matplotlib, Agg backend).

The report says only what the figures show: a saving is stated at equal cleanliness (read off the
frontier), a reference outside a frontier is said to be so, and a policy at its crew cap is flagged.
A single run (without ``--frontier``) compares policies at *unequal* cleanliness and says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .metrics import cleanliness
from .runner import Result
from .truth import World

KM = 1000.0
COLOURS = {
    "rota": "#7f7f7f",
    "rota+reactive": "#9467bd",
    "adaptive": "#1f77b4",
    "bound": "#2ca02c",
    "adaptive-no-volunteers": "#ff7f0e",
}


def _r(x: float, digits: int = 4) -> float:
    return round(float(x), digits)


def policy_figures(result: Result, world: World) -> dict[str, Any]:
    """One run's figures: the CROW metrics, per district, and the daily series."""
    streets = world.streets
    lengths = np.array([s.length_m for s in streets])
    districts: dict[str, Any] = {}
    for district in world.districts:
        members = np.array([s.district == district for s in streets])
        km = float(lengths[members].sum()) / KM
        hours = float(result.route_hours_by_street[members].sum())
        districts[district] = {
            "streets": int(members.sum()),
            "km": _r(km, 2),
            "route_hours": _r(hours, 2),
            "route_hours_per_km": _r(hours / km if km else 0.0, 3),
            "clean_share_km": _r(float((result.at_target[:, members].mean(axis=0) * lengths[members]).sum()) / km / KM)
            if result.days
            else 1.0,
            "volunteer_coverage": _r(result.volunteer_active[:, members].mean()) if result.days else 0.0,
        }
    figures = cleanliness(result, world)
    figures["districts"] = districts
    figures["daily"] = {
        "clean_share_km": [_r(x) for x in (result.at_target * lengths).sum(axis=1) / lengths.sum()],
        "crew_hours": [_r(x, 3) for x in result.daily_shift_hours],
        "route_hours": [_r(x, 3) for x in result.daily_route_hours],
    }
    return figures


def print_single(summary: dict[str, Any]) -> None:
    print(
        f"{summary['scenario']}: {summary['city']['streets']} streets, {summary['days']} days, seed {summary['seed']}"
    )
    print(f"{'policy':<24}{'knob':>6}{'crew h':>9}{'route h':>9}{'clean km':>10}{'at D km':>9}{'floor':>7}")
    for name, f in summary["policies"].items():
        cap = "  AT CREW CAP" if f["at_crew_cap"] else ""
        print(
            f"{name:<24}{f['knob']:>6.2f}{f['crew_hours']:>9.1f}{f['route_hours']:>9.1f}"
            f"{f['clean_share_km']:>10.3f}{f['share_d_km']:>9.3f}{f['floor_share']:>7.3f}{cap}"
        )
    print("  (one setting per policy, at unequal cleanliness: no saving is claimed; use --frontier)")


def _fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def print_frontier(summary: dict[str, Any]) -> None:
    """The frontier per policy, the table at equal cleanliness with its spread, the response."""
    seeds = summary["seeds"]
    print(f"{summary['scenario']}: {summary['days']} days, seeds {seeds[0]}…{seeds[-1]} ({len(seeds)}), medians")
    print(f"{'policy':<15}{'knob':>6}{'crew h':>9}{'route h':>9}{'clean km':>10}{'at D km':>9}{'floor':>7}")
    for policy, rows in summary["frontier"].items():
        for row in rows:
            cap = f"  at crew cap ({row['at_crew_cap_seeds']} seeds)" if row["at_crew_cap_seeds"] else ""
            print(
                f"{policy:<15}{row['knob']:>6.2f}{row['crew_hours']:>9.1f}{row['route_hours']:>9.1f}"
                f"{row['clean_share_km']:>10.3f}{row['share_d_km']:>9.3f}{row['floor_share']:>7.3f}{cap}"
            )
    equal = summary["at_equal_cleanliness"]
    spread = equal["spread"]
    print(f"\nat equal cleanliness: {equal['reference']} = {_fmt(equal['reference_clean_share_km'], 4)} km-weighted")
    for currency, prefix in (("crew hours (crew-shifts sent out × shift)", ""), ("route hours", "route_hours.")):
        key = "crew_hours" if not prefix else "route_hours"
        print(f"{currency}:")
        print(f"  {'policy':<15}{'median':>9}{'min':>9}{'max':>9}{'seeds':>7}")
        for policy in summary["frontier"]:
            s = spread[f"{key}.{policy}"]
            print(
                f"  {policy:<15}{_fmt(s['median']):>9}{_fmt(s['min']):>9}{_fmt(s['max']):>9}"
                f"{s['seeds_with_a_value']:>4}/{len(seeds)}"
            )
        for name in ("adaptive_vs_rota", "adaptive_vs_rota_reactive", "adaptive_vs_bound"):
            s = spread[f"{prefix}{name}"]
            print(
                f"  {name}: {_fmt(s['median'], 3, '×')} [{_fmt(s['min'], 3)} – {_fmt(s['max'], 3)}]"
                f" ({s['seeds_with_a_value']}/{len(seeds)} seeds)"
            )
    travel = summary.get("travel_s_per_visit_at_default_setting", {})
    if travel:
        print(
            "travel per street visited, each policy at its default setting: "
            + ", ".join(f"{policy} {_fmt(seconds, 0, ' s')}" for policy, seconds in travel.items())
        )
    for seed, notes in equal["outside_frontier"].items():
        for policy, note in notes.items():
            print(f"  seed {seed}, {policy}: {note}")
    if equal["policies_at_crew_cap"]:
        print(
            f"  AT CREW CAP (these points are limited by the crews, not by the policy): {equal['policies_at_crew_cap']}"
        )
    if "response" in summary:
        r = summary["response"]
        stopped, joined = r["stopped_streets"], r["joined_streets"]
        waits = stopped["days_dirty_to_visit"]
        print(
            f"\nresponse (adaptive, default setting, pooled over seeds): {stopped['went_below_target']} of "
            f"{stopped['streets']} silently stopped streets went below target; first day below target → crew "
            f"visit: median {_fmt(waits['median'])} d, p90 {_fmt(waits['p90'])} d, max {waits['max']} d "
            f"({stopped['never_visited']} never visited)"
        )
        print(
            f"newly adopted streets: {joined['streets']}; withdrawn before the first pick: "
            f"{joined['withdrawn_before_first_pick']} (their district's never-adopted streets, the same days: "
            f"{_fmt(joined.get('left_dirty_if_never_adopted'), 1)} expected); "
            "share at target before / handover / after: "
            + " / ".join(_fmt(joined["share_at_target"][k], 3) for k in ("before", "handover", "after"))
        )


def plot_single(path: str | Path, summary: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (share_ax, hours_ax) = plt.subplots(1, 2, figsize=(13, 5))
    for name, figures in summary["policies"].items():
        daily = figures["daily"]
        days = np.arange(1, len(daily["clean_share_km"]) + 1)
        share_ax.plot(days, daily["clean_share_km"], label=name, color=COLOURS.get(name))
        hours_ax.plot(days, np.cumsum(daily["crew_hours"]), label=name, color=COLOURS.get(name))
    share_ax.set(title="km-weighted share at or above target", xlabel="day", ylim=(0, 1.02))
    hours_ax.set(title="crew hours (crew-shifts sent out), cumulative", xlabel="day")
    for ax in (share_ax, hours_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"streetcare simulate — {summary['scenario']}, {summary['days']} days, seed {summary['seed']}")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_frontier(path: str | Path, summary: dict[str, Any]) -> None:
    """Crew hours against km-weighted clean share per policy (medians, seeds faint); response over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (front_ax, route_ax, time_ax) = plt.subplots(1, 3, figsize=(19, 5.5))
    equal = summary["at_equal_cleanliness"]
    for ax, key, label in (
        (front_ax, "crew_hours", "crew hours (crew-shifts sent out × shift length)"),
        (route_ax, "route_hours", "route hours (travel + cleaning)"),
    ):
        for policy, rows in summary["frontier"].items():
            colour = COLOURS.get(policy)
            for seed in summary["per_seed"]:
                pts = seed["frontier"][policy]
                ax.scatter([p["clean_share_km"] for p in pts], [p[key] for p in pts], color=colour, alpha=0.2, s=10)
            ax.plot([r["clean_share_km"] for r in rows], [r[key] for r in rows], "o-", color=colour, label=policy)
        if equal["reference_clean_share_km"] is not None:
            ax.axvline(equal["reference_clean_share_km"], color="black", linestyle=":", linewidth=1)
        ax.set(
            title=f"frontier, medians per setting (dotted: {equal['reference']})",
            xlabel="km-weighted share of street-days at or above target",
            ylabel=label,
        )
    events = summary.get("events")
    for policy, daily in summary["daily_at_default_setting"].items():
        colour = COLOURS.get(policy)
        if events and daily["stopped_share_at_target"]:
            days = np.arange(len(daily["stopped_share_at_target"]))
            time_ax.plot(days, daily["stopped_share_at_target"], color=colour, label=f"{policy}: stopped streets")
        if events and daily["joined_share_at_target"]:
            days = np.arange(len(daily["joined_share_at_target"]))
            time_ax.plot(
                days, daily["joined_share_at_target"], color=colour, linestyle="--", label=f"{policy}: joined streets"
            )
        if not events:
            days = np.arange(len(daily["clean_share_km"]))
            time_ax.plot(days, daily["clean_share_km"], color=colour, label=policy)
    for event in events or []:
        time_ax.axvline(event["day"], color="red", linestyle=":", linewidth=1)
    time_ax.set(
        title="response over time (default settings, median of seeds)"
        if events
        else "km-weighted share at target over time (default settings)",
        xlabel="measured day",
        ylabel="share at or above target",
        ylim=(0, 1.02),
    )
    for ax in (front_ax, time_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(
        f"streetcare simulate --frontier — {summary['scenario']}, {summary['days']} days, {len(summary['seeds'])} seeds"
    )
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
