from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kernel.runtime import ServiceRuntime
from kernel.settings import ProcessSettings, sqlite_in_var_dir


class SchedulingSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore", populate_by_name=True)

    database_url: str = Field(default_factory=sqlite_in_var_dir("scheduling"))
    host: str = "127.0.0.1"
    port: int = 8101
    city_name: str = "Streetcare demo city"
    snap_distance_m: float = 150.0
    city_timezone: str = "Europe/Helsinki"
    """Plan dates and crew shifts are in the city's local time (the demo city lies in Helsinki)."""
    planner_time_budget_s: float = 5.0
    """Solver time budget for one day's plan (split over the sub-problems)."""
    planner_no_improvement: int = 250
    """With the time budget, a sub-problem also stops after this many solver iterations in a row
    without a better plan; 0 spends the whole budget (see the README: a day of the demo city in
    1.3 s instead of 5.2 s, at 0.5–1 % less prize on generated 2,000-street days)."""
    planner_iterations: int = 0
    """When > 0, the solver stops after this many iterations per sub-problem instead of the time
    budget: the same facts and seed then give the same plan on any machine (tests, reproductions)."""
    replan_debounce_seconds: float = 3.0
    """A burst of events within this window leads to one re-plan, this long after the first."""
    replan_lock_timeout_s: float = 300.0
    """A re-plan holding the per-day lock longer than this is presumed dead."""
    replan_sweep_seconds: float = 60.0
    """Beat re-plans dirty days (and days without any plan) this often: the safety net."""
    planner_seed: int = 0
    planner_distributed: bool = False
    """A day's sub-problems are solved as a Celery group across the planner workers (queue `planner`)
    and joined into one plan version, instead of one after the other in the re-planning process; a
    sub-problem that fails or does not come back in time is solved in the re-planning process."""
    planner_distributed_min_candidates: int = 3000
    """Only a day with at least this many candidates in its sub-problems (and two sub-problems or
    more) goes out to the planner workers: a smaller one is solved faster than it is sent."""
    effort_level: float | None = Field(default=None, gt=0)
    """The city's one knob between thrift and cleanliness (``PolicyConfig.effort_level``; the
    simulator's frontier shows what each setting buys); unset: the product's default."""
    crew_shift_share: float | None = Field(default=None, ge=0)
    """What sending a crew out costs beyond its route, as a share of its shift
    (``PolicyConfig.crew_shift_share``); unset: the product's default."""
    horizon_days: int | None = Field(default=None, ge=1, le=14)
    """The days planned together, today first (``PolicyConfig.horizon_days``: streets coming due
    within them are cleaned while a crew is close by; the plan previews the rest); 1: today alone;
    unset: the product's default."""


# the runtime of this service, its settings typed
SchedulingRuntime = ServiceRuntime[SchedulingSettings]
