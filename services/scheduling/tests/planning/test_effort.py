"""The average at work: baseline hours per district, hours added and withdrawn, words per visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scheduling.planning.effort import (
    ADDED,
    WITHIN_BASELINE,
    average_baseline_hours,
    district_effort,
    visit_effort_words,
)
from services.scheduling.planning.estimator import prior
from services.scheduling.planning.policy import StreetFacts
from services.scheduling.planning.routing import CrewRoute, DayPlan, PlannedVisit

START = datetime(2025, 5, 6, 7, tzinfo=UTC)


def visit(candidate_id: str, at_s: int, service_s: int, prize: float) -> PlannedVisit:
    return PlannedVisit(candidate_id, candidate_id, "why", START + timedelta(seconds=at_s), at_s, service_s, prize)


def two_district_plan() -> DayPlan:
    # north: 600 s walk + 1,800 s + 600 s + 1,800 s + 600 s home = 1.5 h; south: 300 + 900 + 300 home = 0.417 h
    north = CrewRoute("c1", (visit("n1", 600, 1800, 5000.0), visit("n2", 3000, 1800, 4000.0)), 1800, 3600, START)
    south = CrewRoute("c2", (visit("s1", 300, 900, 3000.0),), 600, 900, START)
    return DayPlan({"c1": north, "c2": south}, (), 12000.0, 12000.0)


DISTRICT_OF = {"n1": "north", "n2": "north", "s1": "south"}


def test_planned_hours_add_up_to_the_routes_and_split_into_added_and_withdrawn() -> None:
    figures = {d.district: d for d in district_effort(two_district_plan(), DISTRICT_OF, {"north": 1.0, "south": 1.0})}
    assert abs(figures["north"].planned_hours - 1.5) < 1e-9
    assert abs(figures["south"].planned_hours - 1500 / 3600) < 1e-9
    assert abs(figures["north"].added_hours - 0.5) < 1e-9 and figures["north"].withdrawn_hours == 0.0
    assert figures["south"].added_hours == 0.0
    assert abs(figures["south"].withdrawn_hours - (1.0 - 1500 / 3600)) < 1e-9


def test_a_district_with_a_baseline_and_no_visits_has_all_of_it_withdrawn() -> None:
    figures = {d.district: d for d in district_effort(two_district_plan(), DISTRICT_OF, {"east": 2.0})}
    assert figures["east"].withdrawn_hours == 2.0 and figures["east"].planned_hours == 0.0


def test_the_best_work_is_within_the_baseline_the_rest_is_added() -> None:
    words = visit_effort_words(two_district_plan(), DISTRICT_OF, {"north": 1.0, "south": 1.0})
    assert words == {"n1": WITHIN_BASELINE, "n2": ADDED, "s1": WITHIN_BASELINE}


def test_the_average_baseline_grows_with_street_length_and_with_a_dirtier_kind() -> None:
    at = START

    def street(street_id: str, district: str, length: float, kind: str) -> StreetFacts:
        return StreetFacts(street_id, district, 60.0, 24.0, length, prior(kind, length, at), kind=kind)

    hours = average_baseline_hours(
        [
            street("a", "quiet", 400.0, "residential"),
            street("b", "busy", 400.0, "shopping"),
            street("c", "long", 800.0, "residential"),
        ]
    )
    assert hours["busy"] > hours["quiet"] > 0
    assert hours["long"] > hours["quiet"]
