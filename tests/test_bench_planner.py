"""The planner benchmark harness on a tiny size (figures themselves are not asserted)."""

from __future__ import annotations

from services.scheduling.planning.generated import generate_city
from streetcare.bench.planner import run_planner_bench


def test_generated_city_has_the_asked_size() -> None:
    candidates, crews = generate_city(200, 5, seed=3)
    assert len(candidates) == 200 and len(crews) == 5
    assert all(50 <= c.length_m <= 600 for c in candidates if c.service_seconds is None)
    assert generate_city(200, 5, seed=3) == (candidates, crews)


def test_bench_reports_every_figure() -> None:
    [row] = run_planner_bench(sizes=((60, 2),), budget_s=0.1, seed=2, baseline_factor=2.0, print_results=False)
    for key in ("wall_s", "peak_rss_mb", "prize_collected", "baseline_prize", "prize_vs_baseline", "meets_target"):
        assert key in row
    assert row["duplicate_visits"] == 0 and row["shift_violations"] == 0
    assert row["peak_rss_mb"] > 0
