from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ReasonPart(BaseModel):
    """One fact of a reason or trigger as a code and its params: the pages say it in the reader's
    language from the one catalogue (``dispatch.reason.<code>``, ``dispatch.trigger.<code>``)."""

    code: str
    params: dict[str, Any] = {}


class VersionSummary(BaseModel):
    plan_date: date
    version: int
    created_at: datetime
    trigger: str
    """What caused this version, in English."""
    trigger_code: str | None = None
    """``trigger`` as a code (``None``: words a caller gave, shown as written)."""
    trigger_params: dict[str, Any] = {}
    visits: int
    added: int
    removed: int
    reordered: int
    prize_collected: float
    prize_available: float
    crew_hours: float
    """Hours from the crews' shift starts until they are back (the routes, depot to depot)."""
    route_hours: float = 0.0
    """Travel plus work on the routes: the effort the plan spends."""
    crew_shifts: int = 0
    """Crews sent out: a crew with no visit stays home and costs no shift."""
    shift_hours: float = 0.0
    """The shifts of the crews sent out, whole (a crew on call longer than a working day counts as
    one): what the city pays for the day."""
    solve_seconds: float


class PlannedVisitOut(BaseModel):
    visit_id: int
    position: int
    candidate_id: str
    street_id: int
    street_name: str
    district: str
    kind: str
    eta: datetime
    eta_local: str | None
    service_minutes: float
    reason: str
    """Why the visit is on the plan, in English."""
    reason_parts: list[ReasonPart] = []
    """``reason`` as codes and params, one per fact (empty for a reason stored before they had them)."""
    status: str
    fixed: bool
    lat: float
    lon: float
    change: str | None
    bags_collected: int | None = None
    directive: Literal["pin", "drop"] | None = None
    """The dispatcher's directive on this visit's candidate that day (pin: kept on this crew)."""
    directive_id: int | None = None
    moved_from: date | None = None


class RoutePath(BaseModel):
    """A GeoJSON LineString: ``(lon, lat)`` points along the streets the crew walks or drives."""

    type: Literal["LineString"] = "LineString"
    coordinates: list[tuple[float, float]]


class TravelOut(BaseModel):
    """How travel times were found: along the street network (``road_network``), and how many stops
    and depots had no link to it and fell back to straight lines × the detour factor."""

    road_network: bool
    stops_on_network: int
    stops_straight_line: int


class CrewPlan(BaseModel):
    id: int
    name: str
    mode: str
    size: int
    district: str | None = None
    depot_lat: float
    depot_lon: float
    shift_start: datetime
    shift_end: datetime
    shift_local: str
    returns_at: datetime | None
    returns_local: str | None
    travel_seconds: int
    service_seconds: int
    visits: list[PlannedVisitOut]
    path: RoutePath | None = None
    """The route along the streets, depot to depot (``None`` for a crew that stays home)."""


class RemovedVisit(BaseModel):
    visit_id: int
    street_id: int
    street_name: str
    from_crew_id: int | None
    reason: str
    reason_parts: list[ReasonPart] = []


class DistrictHours(BaseModel):
    """The average at work in one district: what it works from, and what the plan adds or withdraws."""

    district: str
    baseline_hours: float
    planned_hours: float
    added_hours: float
    withdrawn_hours: float


class DirectiveOut(BaseModel):
    """A dispatcher's pin or drop on one day's plan (a move: a pin there, a drop on the day it left)."""

    directive_id: int
    plan_date: date
    kind: Literal["pin", "drop"]
    candidate_id: str
    street_id: int
    street_name: str
    crew_id: int | None
    crew_name: str | None
    moved_from: date | None
    moved_to: date | None
    created_by: str
    created_at: datetime
    honoured: bool
    """False when the next re-plan cannot keep it (its crew is not on duty that day)."""


class DistrictOutlookOut(BaseModel):
    """A district's streets coming due on a day after the plan's, and the most they would take."""

    district: str
    streets: int
    hours: float


class HorizonDay(BaseModel):
    """A preview: it moves as facts arrive, and becomes a plan on its day."""

    date: str
    """ISO date."""
    districts: list[DistrictOutlookOut]


class PlanOut(VersionSummary):
    timezone: str
    crews: list[CrewPlan]
    removed_visits: list[RemovedVisit]
    dropped: list[dict[str, Any]]
    districts: list[DistrictHours] = []
    horizon: list[HorizonDay] = []
    directives: list[DirectiveOut] = []
    travel: TravelOut | None = None


class Change(BaseModel):
    change: str
    visit_id: int
    candidate_id: str
    street_id: int
    crew_id: int | None
    from_crew_id: int | None
    from_position: int | None
    to_position: int | None
    reason: str
    reason_parts: list[ReasonPart] = []


class PlanDiff(BaseModel):
    plan_date: date
    version: int
    against: int | None
    changes: list[Change]


class UncoveredStreet(BaseModel):
    street_id: int
    name: str
    district: str
    level: str
    """The CROW level expected now."""
    target: str
    open_reports: int
    length_m: float
    lat: float
    lon: float
    """The street's centroid: where the page shows it on the map."""


class UncoveredQueue(BaseModel):
    """Streets expected below their target that nobody covers that day (no adoption, no group
    clean-up, no crew on the day's latest plan), worst first."""

    plan_date: date
    version: int | None
    """The plan version looked at (``None``: the day has no plan yet)."""
    total: int
    streets: list[UncoveredStreet]


class VisitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    visit_id: int
    plan_date: date
    street_id: int
    kind: str
    status: str
    crew_id: int | None
    started_at: datetime | None
    completed_at: datetime | None
    report_ids: list[int]
    bag_request_id: int | None
    bags_collected: int | None = None
    level_found: str | None = None


class VisitDoneIn(BaseModel):
    bags_collected: int | None = Field(default=None, ge=0, le=200, description="bags the crew took away")
    level_found: Literal["A+", "A", "B", "C", "D"] | None = Field(
        default=None, description="the CROW level the crew found on arrival, before cleaning"
    )


class MoveIn(BaseModel):
    crew_id: int = Field(ge=1)
    plan_date: date | None = Field(default=None, description="default: the visit's own day")


class PlanBeingMade(BaseModel):
    """202 from GET /plans/{date}: no version exists yet, and the planner is making the first."""

    plan_date: date
    status: Literal["planning"] = "planning"
    detail: str
