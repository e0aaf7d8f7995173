"""The hidden world: a city's streets, how litter really builds up, and what its people really do.

Nothing here is visible to the policies except through the events the services would see
(reports, picks, visits with their bags, inspections, adoption changes). Every random draw is
made up front from one seeded generator, so all policies face the *same* weather, residents,
volunteers and dumping (common random numbers): differences between policies come from the
policies alone.

Truth, per street ``i`` and day ``t`` (litter index ``L``, one unit per CROW level, as the engine):

* build-up ``inc[t, i] = rate[i] · weekday[t] · weather[t] · noise[t, i]``; ``rate[i]`` is the
  kind's city average (``kinds.kind_of(kind).build_up_per_day``) × ``kind_rate_bias`` × a log-normal spread (mean 1),
  ``weather`` is an AR(1) process on the log scale, ``noise`` is log-normal (mean 1); ``weekday``
  is the same for the whole city: Saturday and Sunday build up ``weekend_factor`` (1.3) × a weekday,
  scaled to a mean of 1 over the week (weekdays 0.92, weekend days 1.20) — what the estimator's
  weekday factors should learn;
* half of the day's build-up comes before the crews and volunteers, half after;
* a crew visit cleans 95 % of the street to a residual ~ N(0.2, 0.05²); a volunteer pick cleans
  ``minutes × 15 m/min ÷ length`` (at most all) to a residual ~ N(0.4, 0.1²);
* dumped waste adds 1–2.5 units in the evening; litter saturates at 8;
* residents report with ``P = propensity · busyness · Φ((L − threshold)/noise)`` per day (busier
  streets report more), severity 1–3 by how dirty it is, and dumped waste gets a severity-3 report;
* volunteers pick on their pledged rhythm (with jitter), skip some picks, pause (sometimes
  telling the app), and some stop for good (mostly silently);
* inspectors measure a random sample of streets each day, exactly (the CROW level of ``L``);
* scenario ``events`` change the people on given measured days: a district's adopters stop at once
  (``adopters: stop``, told to the app or not) or a share of its unadopted streets gains adopters
  (``adopters: join``); they are drawn from their own generator, so a scenario with events has the
  same weather, residents and other volunteers as the one without.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from services.scheduling.planning.coverage import Rhythm
from services.scheduling.planning.kinds import kind_of
from services.scheduling.planning.levels import Level

SCENARIO_DIR = Path(__file__).parent / "scenarios"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CITY = REPO_ROOT / "services" / "scheduling" / "streets" / "data" / "demo-city.geojson"
LITTER_CEILING = 8.0
CREW_THOROUGHNESS = 0.95
CREW_RESIDUAL = (0.2, 0.05)
VOLUNTEER_RESIDUAL = (0.4, 0.1)
VOLUNTEER_PICK_SPEED_M_PER_MIN = 15.0
BUSYNESS_BY_KIND = {"shopping": 1.6, "pedestrian": 1.5, "main": 1.1, "residential": 0.7, "park": 0.8}

DEFAULTS: dict[str, Any] = {
    "name": "default",
    "city": "demo",
    "streets": 300,
    "history_days": 28,
    "target": "B",
    "litter": {
        "rate_spread": 0.6,
        "kind_rate_bias": 1.0,
        "daily_noise": 0.25,
        "weekend_factor": 1.3,
        "weather_autocorrelation": 0.8,
        "weather_sd": 0.15,
        "dumping_per_street_day": 0.002,
        "dumping_size": [1.0, 2.5],
    },
    "volunteers": {
        "share_of_streets": 0.3,
        "district_spread": 0.6,
        "rhythms": {"weekly": 0.5, "fortnightly": 0.35, "monthly": 0.15},
        "minutes": [20, 60],
        "skip_probability": 0.15,
        "pause_per_day": 0.005,
        "pause_days": [7, 28],
        "pause_announced": 0.5,
        "stop_probability": 0.15,
        "stop_announced": 0.3,
    },
    "residents": {
        "report_propensity": 0.35,
        "report_threshold": 3.0,
        "report_noise": 0.7,
        "dumping_report_probability": 0.6,
    },
    "inspections": {"share_per_day": 0.02},
    "crews": [
        {"id": "foot-1", "mode": "foot", "size": 2, "depot": "centre", "shift": "07:00-15:00"},
        {"id": "foot-2", "mode": "foot", "size": 2, "depot": "centre", "shift": "07:00-15:00"},
    ],
    "adaptive": {"effort_level": 1.0},
    "solver": {"iterations": 400, "no_improvement": 150},
    "events": [],
    "frontier": {
        "rota": [0.6, 0.8, 1.0, 1.3, 1.7],
        "rota+reactive": [0.4, 0.6, 0.8, 1.0, 1.3],
        "adaptive": [0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5],
        "bound": [0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5],
        "solver": {"iterations": 100, "no_improvement": 50},
    },
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def load_scenario(path: str | Path | None) -> dict[str, Any]:
    """A scenario file merged over the defaults (no file: the shipped demo scenario)."""
    source = Path(path) if path else SCENARIO_DIR / "demo.yaml"
    if not source.exists() and not source.suffix:
        source = SCENARIO_DIR / f"{source}.yaml"
    data = yaml.safe_load(source.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a scenario is a mapping")
    return _merge(DEFAULTS, data)


@dataclass(frozen=True)
class Street:
    id: str
    name: str
    district: str
    kind: str
    lat: float
    lon: float
    length_m: float
    coordinates: tuple[tuple[float, float], ...] = ()
    """The street's line (``(lon, lat)``), when the city has geometries: the planner then travels
    along the same street network the service builds; without, on the counted straight-line fallback."""
    oneway: int = 0
    drivable: bool = True


def _city_from_file(path: Path) -> list[Street]:
    from services.scheduling.streets.importer import load_streets

    streets = []
    for number, item in enumerate(load_streets(path)):
        coords = list(item.coordinates)
        lon, lat = coords[len(coords) // 2]
        if len(coords) >= 2 and len(coords) % 2 == 0:
            (lon1, lat1), (lon2, lat2) = coords[len(coords) // 2 - 1], coords[len(coords) // 2]
            lon, lat = (lon1 + lon2) / 2, (lat1 + lat2) / 2
        streets.append(
            Street(
                id=f"s{number:05d}",
                name=item.name,
                district=item.district,
                kind=item.kind,
                lat=float(lat),
                lon=float(lon),
                length_m=max(float(item.length_m), 10.0),
                coordinates=tuple(item.coordinates),
                oneway=item.oneway,
                drivable=item.drivable,
            )
        )
    return streets


def _generated_city(count: int, seed: int) -> list[Street]:
    from services.scheduling.planning.generated import generate_city

    candidates, _ = generate_city(count, 1, seed=seed)
    rng = np.random.default_rng(seed + 7919)
    kinds = ["residential", "shopping", "main", "pedestrian"]
    weights = [0.45, 0.2, 0.25, 0.1]
    streets = []
    for number, candidate in enumerate(candidates):
        length = candidate.length_m if candidate.length_m > 0 else float(rng.uniform(50.0, 600.0))
        kind = kinds[int(rng.choice(len(kinds), p=weights))]
        streets.append(
            Street(f"s{number:05d}", f"Street {number}", candidate.district, kind, candidate.lat, candidate.lon, length)
        )
    return streets


def load_city(scenario: dict[str, Any], seed: int, city: str | None = None, streets: int | None = None) -> list[Street]:
    """The streets: ``--streets N`` (generated) over ``--city FILE`` over the scenario's ``city``."""
    if streets:
        return _generated_city(int(streets), seed)
    choice = city or str(scenario.get("city", "demo"))
    if choice == "generated":
        return _generated_city(int(scenario.get("streets", 300)), seed)
    path = DEMO_CITY if choice == "demo" else Path(choice)
    if not path.is_absolute() and not path.exists():
        path = REPO_ROOT / path  # scenarios name files from the repository root (../shared/data/…)
    if not path.exists():
        raise ValueError(f"city file {path} does not exist")
    return _city_from_file(path)


@dataclass
class Volunteer:
    """An adopter, with everything they will do decided up front (hidden from the planner)."""

    street: int
    rhythm: Rhythm
    started_day: int
    """Day index of the adoption (negative: before the simulation)."""
    last_pick_before: int | None
    """Day index of the last pick before the simulation (None: a new adoption without picks)."""
    pick_days: dict[int, float] = field(default_factory=dict)
    """Day index → minutes picked that day."""
    announced_pauses: list[tuple[int, int]] = field(default_factory=list)
    stop_day: int | None = None
    stop_announced: bool = False
    stopped_by_event: bool = False
    joined: bool = False
    """Adopted through a scenario event (``adopters: join``): no pick logged before ``started_day``."""


@dataclass
class World:
    """The hidden truth of one run: the same for every policy."""

    streets: list[Street]
    days: int
    """Total simulated days including the history (day 0 is the first history day)."""
    history_days: int
    rate: np.ndarray
    busyness: np.ndarray
    initial_litter: np.ndarray
    build_up: np.ndarray
    """[day, street] litter units added that day."""
    dumping: np.ndarray
    """[day, street] litter units dumped that evening (0 mostly)."""
    report_draw: np.ndarray
    """[day, street] uniform draw: a report is filed when it falls below the report probability."""
    dumping_reported: np.ndarray
    report_hour: np.ndarray
    bag_noise: np.ndarray
    crew_residual: np.ndarray
    volunteer_residual: np.ndarray
    inspections: list[list[int]]
    volunteers: list[Volunteer]
    residents: dict[str, float]
    target: Level

    @property
    def districts(self) -> list[str]:
        return sorted({s.district for s in self.streets})

    def report_probability(self, litter: np.ndarray) -> np.ndarray:
        threshold = self.residents["report_threshold"]
        noise = self.residents["report_noise"]
        z = (litter - threshold) / noise
        phi = 0.5 * np.vectorize(math.erfc)(-z / math.sqrt(2.0))
        probability: np.ndarray = np.minimum(0.95, self.residents["report_propensity"] * self.busyness * phi)
        return probability


def _volunteers(
    rng: np.random.Generator, streets: list[Street], config: dict[str, Any], total_days: int
) -> list[Volunteer]:
    n = len(streets)
    districts = sorted({s.district for s in streets})
    spread = float(config["district_spread"])
    district_factor = {d: float(rng.lognormal(0.0, spread)) if spread > 0 else 1.0 for d in districts}
    weights = np.array([district_factor[s.district] for s in streets])
    count = round(float(config["share_of_streets"]) * n)
    count = min(count, n)
    if count == 0:
        return []
    chosen = rng.choice(n, size=count, replace=False, p=weights / weights.sum())
    rhythm_names = list(config["rhythms"])
    rhythm_p = np.array([float(config["rhythms"][r]) for r in rhythm_names])
    rhythm_p /= rhythm_p.sum()
    pause_low, pause_high = (int(x) for x in config["pause_days"])
    daily_stop = 1.0 - (1.0 - float(config["stop_probability"])) ** (1.0 / 90.0)
    result = []
    for street in sorted(int(i) for i in chosen):
        rhythm = Rhythm(rhythm_names[int(rng.choice(len(rhythm_names), p=rhythm_p))])
        started = -int(rng.integers(30, 365))
        last_pick = -int(rng.integers(0, rhythm.days))
        volunteer = Volunteer(street, rhythm, started, last_pick)
        # stop for good
        for day in range(total_days):
            if rng.random() < daily_stop:
                volunteer.stop_day = day
                volunteer.stop_announced = bool(rng.random() < float(config["stop_announced"]))
                break
        # pauses
        paused_until = -1
        paused: set[int] = set()
        for day in range(total_days):
            if day > paused_until and rng.random() < float(config["pause_per_day"]):
                length = int(rng.integers(pause_low, pause_high + 1))
                paused_until = day + length
                paused.update(range(day, day + length))
                if rng.random() < float(config["pause_announced"]):
                    volunteer.announced_pauses.append((day, day + length))
        _schedule_picks(rng, volunteer, last_pick, paused, config, total_days)
        result.append(volunteer)
    return result


def _schedule_picks(
    rng: np.random.Generator,
    volunteer: Volunteer,
    last_pick: int,
    paused: set[int],
    config: dict[str, Any],
    total_days: int,
) -> None:
    """Picks on the pledged rhythm after ``last_pick``, with jitter and skips, until the stop day."""
    low_min, high_min = (float(x) for x in config["minutes"])
    rhythm = volunteer.rhythm
    due = last_pick + rhythm.days + int(rng.integers(-1, 3))
    while due < total_days:
        keeps_at_it = volunteer.stop_day is None or due < volunteer.stop_day
        if due >= 0 and due not in paused and keeps_at_it and rng.random() >= float(config["skip_probability"]):
            volunteer.pick_days[due] = float(rng.uniform(low_min, high_min))
        due += max(1, rhythm.days + int(rng.integers(-1, 3)))


EVENT_SEED_OFFSET = 104_729


def _check_event(event: Any, districts: list[str], measured_days: int) -> tuple[int, str, str]:
    if not isinstance(event, dict):
        raise ValueError(f"event {event!r}: an event is a mapping like {{day: 30, district: NAME, adopters: stop}}")
    day, district, what = event.get("day"), event.get("district"), event.get("adopters")
    if not isinstance(day, int) or not 0 <= day < max(1, measured_days):
        raise ValueError(f"event {event!r}: day must be a whole measured day from 0 to {measured_days - 1}")
    if district not in districts:
        raise ValueError(f"event {event!r}: no district {district!r} in this city (it has {', '.join(districts)})")
    if what not in ("stop", "join"):
        raise ValueError(f"event {event!r}: adopters must be 'stop' or 'join'")
    return day, str(district), str(what)


def apply_events(
    volunteers: list[Volunteer],
    streets: list[Street],
    events: list[Any],
    config: dict[str, Any],
    history_days: int,
    total_days: int,
    seed: int,
) -> list[Volunteer]:
    """The scenario's events on the volunteers; ``day`` counts measured days (after the history)."""
    districts = sorted({s.district for s in streets})
    rng = np.random.default_rng(seed + EVENT_SEED_OFFSET)
    result = list(volunteers)
    for event in events:
        day, district, what = _check_event(event, districts, total_days - history_days)
        at = history_days + day
        if what == "stop":
            announced = bool(event.get("announced", False))
            for volunteer in result:
                if streets[volunteer.street].district != district or volunteer.started_day > at:
                    continue
                if volunteer.stop_day is None or volunteer.stop_day > at:
                    volunteer.stop_day = at
                    volunteer.stop_announced = announced
                    volunteer.stopped_by_event = True
                    volunteer.pick_days = {d: m for d, m in volunteer.pick_days.items() if d < at}
            continue
        share = float(event.get("share", 0.5))
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"event {event!r}: share must be between 0 and 1")
        adopted = {v.street for v in result if v.stop_day is None or v.stop_day > at}
        free = [i for i, s in enumerate(streets) if s.district == district and i not in adopted]
        count = round(share * len(free))
        chosen = sorted(int(i) for i in rng.choice(len(free), size=count, replace=False)) if count else []
        rhythm_names = list(config["rhythms"])
        rhythm_p = np.array([float(config["rhythms"][r]) for r in rhythm_names])
        rhythm_p /= rhythm_p.sum()
        for k in chosen:
            rhythm = Rhythm(rhythm_names[int(rng.choice(len(rhythm_names), p=rhythm_p))])
            volunteer = Volunteer(free[k], rhythm, started_day=at, last_pick_before=None, joined=True)
            # the first pick comes within the first rhythm, like the ones after it
            _schedule_picks(rng, volunteer, at - int(rng.integers(1, rhythm.days)), set(), config, total_days)
            result.append(volunteer)
    return result


def build_world(streets: list[Street], scenario: dict[str, Any], days: int, seed: int) -> World:
    """Draw the whole hidden truth for ``history_days + days`` days from ``seed``."""
    rng = np.random.default_rng(seed)
    history = int(scenario.get("history_days", 0))
    total = history + days
    n = len(streets)
    litter = scenario["litter"]
    spread = float(litter["rate_spread"])
    kind_rate = np.array([kind_of(s.kind).build_up_per_day for s in streets])
    rate = kind_rate * float(litter["kind_rate_bias"]) * rng.lognormal(-spread * spread / 2.0, spread, n)
    busyness = np.array([BUSYNESS_BY_KIND.get(s.kind, 1.0) for s in streets]) * rng.lognormal(-0.08, 0.4, n)
    # weekday × weather, the same for the whole city; day 0 is a Monday
    weekend = float(litter["weekend_factor"])
    weekday = np.array([weekend if (t % 7) >= 5 else 1.0 for t in range(total)])
    weekday /= weekday.mean()
    phi = float(litter["weather_autocorrelation"])
    sd = float(litter["weather_sd"])
    weather_log = np.zeros(total)
    for t in range(total):
        previous = weather_log[t - 1] if t else 0.0
        weather_log[t] = phi * previous + rng.normal(0.0, sd * math.sqrt(1 - phi * phi))
    weather = np.exp(weather_log - sd * sd / 2.0)
    noise_sd = float(litter["daily_noise"])
    noise = rng.lognormal(-noise_sd * noise_sd / 2.0, noise_sd, (total, n))
    build_up = (weekday * weather)[:, None] * rate[None, :] * noise
    low, high = (float(x) for x in litter["dumping_size"])
    dumped = rng.random((total, n)) < float(litter["dumping_per_street_day"])
    dumping = np.where(dumped, rng.uniform(low, high, (total, n)), 0.0)
    residents = {k: float(v) for k, v in scenario["residents"].items()}
    report_draw = rng.random((total, n))
    dumping_reported = rng.random((total, n)) < residents["dumping_report_probability"] * np.minimum(1.0, busyness)
    report_hour = rng.uniform(7.0, 21.0, (total, n))
    bag_noise = rng.lognormal(0.0, 0.2, (total, n))
    crew_residual = np.clip(rng.normal(*CREW_RESIDUAL, (total, n)), 0.0, None)
    volunteer_residual = np.clip(rng.normal(*VOLUNTEER_RESIDUAL, (total, n)), 0.0, None)
    share = float(scenario["inspections"]["share_per_day"])
    per_day = max(0, round(share * n))
    inspections = [sorted(int(i) for i in rng.choice(n, size=min(per_day, n), replace=False)) for _ in range(total)]
    volunteers = _volunteers(rng, streets, scenario["volunteers"], total)
    volunteers = apply_events(
        volunteers, streets, list(scenario.get("events") or []), scenario["volunteers"], history, total, seed
    )
    # a city that has run a rota for a while: somewhere between just cleaned and due again
    initial = np.clip(0.2 + rate * rng.uniform(0.0, 8.0, n), 0.0, LITTER_CEILING)
    return World(
        streets=streets,
        days=total,
        history_days=history,
        rate=rate,
        busyness=busyness,
        initial_litter=initial,
        build_up=build_up,
        dumping=dumping,
        report_draw=report_draw,
        dumping_reported=dumping_reported,
        report_hour=report_hour,
        bag_noise=bag_noise,
        crew_residual=crew_residual,
        volunteer_residual=volunteer_residual,
        inspections=inspections,
        volunteers=volunteers,
        residents=residents,
        target=Level.parse(str(scenario.get("target", "B"))),
    )


def without_volunteers(world: World) -> World:
    """The same world with nobody adopting a street (for what volunteers are worth)."""
    from dataclasses import replace

    return replace(world, volunteers=[])
