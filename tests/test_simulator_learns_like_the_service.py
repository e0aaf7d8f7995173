"""One truth for what the city learns: the scheduling service and the simulator's knowledge, fed the
same events (reports, "me too" reports, picks, crew visits, inspections and the nights without a
report), hold the same litter estimate for every street afterwards."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from conftest import scheduling_runtime
from kernel.events import InspectionRecorded, PickLogged, ReportFiled
from services.scheduling.dirty import service as dirty
from services.scheduling.planning import estimator
from services.scheduling.planning.levels import Level
from services.scheduling.settings import SchedulingRuntime
from services.scheduling.state import repository as state_repository
from services.scheduling.state import service as state
from services.scheduling.streets import repository as streets_repository
from streetcare.sim.policies import Knowledge
from streetcare.sim.runner import SimEvent, learn_day
from streetcare.sim.truth import Street as SimStreet

DAYS = 8
FIRST_DAY = date(2026, 3, 2)  # a Monday


@pytest.fixture
def runtime(demo_city: Any) -> Iterator[SchedulingRuntime]:
    with scheduling_runtime(demo_city) as running:
        yield running


def _event_stream(street_count: int, tz: Any) -> list[list[SimEvent]]:
    """Eight days of what residents, volunteers, crews and inspectors do on the chosen streets."""
    chance = random.Random(20261205)
    days: list[list[SimEvent]] = []
    for number in range(DAYS):
        day = FIRST_DAY + timedelta(days=number)

        def at(hour: float, day: date = day) -> datetime:
            return datetime.combine(day, time(0), tz) + timedelta(hours=hour)

        events: list[SimEvent] = []
        for i in range(street_count):
            roll = chance.random()
            if roll < 0.25:
                events.append((at(8 + chance.random() * 8), 1, i, "report", (chance.choice((1, 2, 3)),)))
                if chance.random() < 0.4:  # a neighbour says "me too" an hour later
                    events.append((at(17.5), 1, i, "report", (1,)))
            elif roll < 0.35:
                events.append((at(18), 3, i, "pick", (chance.choice((1, 2, 3)), chance.choice((30, 60, 90)))))
            elif roll < 0.45:
                events.append((at(11), 2, i, "visit", (chance.choice((0, 1, 2, 4)),)))
            elif roll < 0.5:
                events.append((at(10), 0, i, "inspection", (chance.choice(list(Level)),)))
        days.append(events)
    return days


def test_the_service_and_the_simulator_learn_the_same_from_the_same_events(runtime: SchedulingRuntime) -> None:
    with runtime.transaction() as session:
        tz = dirty.city_timezone(session)
        every_street = streets_repository.all_streets(session)
        by_kind: dict[str, list[Any]] = {}
        for street in every_street:
            by_kind.setdefault(street.kind, []).append(street)
        chosen = [street for streets in by_kind.values() for street in streets[:6]]
        start = datetime.combine(FIRST_DAY, time(0), tz)
        for street in chosen:  # both start from the kind's prior on the first morning
            tracked = state.ensure_state(session, street, start)
            tracked.estimate = estimator.prior(street.kind, street.length_m, start).to_dict()
        learner = state_repository.weekday_learner(session)
    assert len(by_kind) >= 2, "the demo city has streets of several kinds"

    sim_streets = [
        SimStreet(str(s.id), s.name, s.district, s.kind, s.centroid_lat, s.centroid_lon, s.length_m) for s in chosen
    ]
    knowledge = Knowledge.start(sim_streets, start)
    knowledge.weekdays = learner

    ids = iter(range(10_000_000, 20_000_000))
    silent_nights = 0
    for number, events in enumerate(_event_stream(len(chosen), tz)):
        day = FIRST_DAY + timedelta(days=number)
        end_of_day = datetime.combine(day, estimator.QUIET_DAY_ENDS, tz)
        learn_day(knowledge, events, end_of_day, [s.kind for s in chosen])
        with runtime.transaction() as session:
            first_report: dict[int, int] = {}
            for at, _, i, kind, payload in sorted(events, key=lambda e: (e[0], e[1], e[2])):
                street = chosen[i]
                if kind == "report":
                    report_id = next(ids)
                    state.apply_report_filed(
                        session,
                        ReportFiled(
                            report_id=report_id,
                            street_id=street.id,
                            category="litter",
                            severity=payload[0],
                            lat=street.centroid_lat,
                            lon=street.centroid_lon,
                            filed_at=at,
                            duplicate_of=first_report.get(i),
                        ),
                    )
                    first_report.setdefault(i, report_id)
                elif kind == "pick":
                    state.apply_pick_logged(
                        session,
                        PickLogged(
                            pick_id=next(ids), street_ids=[street.id], picked_at=at, bags=payload[0], minutes=payload[1]
                        ),
                    )
                elif kind == "visit":
                    state.record_visit(session, street.id, at, bags=payload[0])
                else:
                    state.apply_inspection(
                        session,
                        InspectionRecorded(
                            inspection_id=next(ids),
                            street_id=street.id,
                            level=str(payload[0]),
                            coarse_litter=0,
                            fine_litter=0,
                            inspected_at=at,
                        ),
                    )
        with runtime.transaction() as session:
            silent_nights += state.learn_from_quiet_day(session, day, tz) > 0
            assert state.learn_from_quiet_day(session, day, tz) == 0, "a second run the same night learns nothing"

    assert silent_nights == DAYS
    with runtime.transaction() as session:
        for i, street in enumerate(chosen):
            served = estimator.StreetEstimate.from_dict(state_repository.state_for(session, street.id).estimate)  # type: ignore[union-attr]
            simulated = knowledge.estimates[i]
            assert served.as_of == simulated.as_of, street.name
            for field in ("mean_litter", "var_litter", "rate_mean", "rate_var", "cov_litter_rate"):
                assert getattr(served, field) == pytest.approx(getattr(simulated, field), rel=1e-9, abs=1e-12), (
                    f"{street.name}: {field}"
                )
