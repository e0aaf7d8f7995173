"""The event contract between services: the envelope, the catalogue and each event's payload.

This module is the published language of Streetcare. A service may only publish the types its
catalogue entry names, and every consumer decodes through `decode_event`, so a malformed or
unknown message is refused with a reason (and dead-lettered) instead of half-applied.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SERVICES = ("scheduling", "reports", "volunteers")
LIVE_SUBSCRIBER = "gateway"


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StreetChanged(EventData):
    street_id: int
    external_id: str
    name: str
    district: str
    kind: str = "residential"
    length_m: float = Field(gt=0)
    coordinates: list[tuple[float, float]] = Field(min_length=2, description="[lon, lat] pairs (WGS84)")


class AdoptionChanged(EventData):
    adoption_id: int
    street_id: int
    volunteer_id: int | None = None
    team_id: int | None = None
    rhythm: Literal["weekly", "fortnightly", "monthly"]
    status: Literal["active", "paused", "lapsed", "ended"]
    started_on: date
    paused_until: date | None = None
    last_pick_at: datetime | None = None


class PickLogged(EventData):
    pick_id: int
    street_ids: list[int] = Field(min_length=1)
    picked_at: datetime
    bags: int = Field(ge=0)
    minutes: int = Field(ge=0)
    volunteer_id: int | None = None
    team_id: int | None = None


class CleanupPlanned(EventData):
    session_id: int
    street_ids: list[int] = Field(min_length=1)
    starts_at: datetime
    ends_at: datetime
    status: Literal["planned", "cancelled"] = "planned"


class BagsReady(EventData):
    request_id: int
    street_id: int
    lat: float
    lon: float
    bags: int = Field(ge=1)
    ready_at: datetime


class ReportFiled(EventData):
    report_id: int
    street_id: int
    category: str
    severity: int = Field(ge=1, le=5)
    lat: float
    lon: float
    filed_at: datetime
    duplicate_of: int | None = None


class ReportWithdrawn(EventData):
    report_id: int
    street_id: int
    reason: str


class InspectionRecorded(EventData):
    inspection_id: int
    street_id: int
    level: Literal["A+", "A", "B", "C", "D"]
    coarse_litter: int = Field(ge=0)
    fine_litter: int = Field(ge=0)
    inspected_at: datetime


class VisitCompleted(EventData):
    visit_id: int
    street_id: int
    completed_at: datetime
    kind: Literal["clean", "bags", "bulky"] = "clean"
    bag_request_id: int | None = None
    report_ids: list[int] = Field(default_factory=list)


class PlanPublished(EventData):
    plan_date: date
    version: int
    visits: int
    added: int = 0
    removed: int = 0


@dataclass(frozen=True)
class CatalogueEntry:
    source: str
    subscribers: tuple[str, ...]
    data: type[EventData]
    version: int = 1


CATALOGUE: dict[str, CatalogueEntry] = {
    "street.registered": CatalogueEntry("scheduling", ("volunteers", "reports"), StreetChanged),
    "street.updated": CatalogueEntry("scheduling", ("volunteers", "reports"), StreetChanged),
    "adoption.started": CatalogueEntry("volunteers", ("scheduling",), AdoptionChanged),
    "adoption.ended": CatalogueEntry("volunteers", ("scheduling",), AdoptionChanged),
    "pick.logged": CatalogueEntry("volunteers", ("scheduling",), PickLogged),
    "cleanup.planned": CatalogueEntry("volunteers", ("scheduling",), CleanupPlanned),
    "bags.ready": CatalogueEntry("volunteers", ("scheduling",), BagsReady),
    "report.filed": CatalogueEntry("reports", ("scheduling",), ReportFiled),
    "report.withdrawn": CatalogueEntry("reports", ("scheduling",), ReportWithdrawn),
    "inspection.recorded": CatalogueEntry("reports", ("scheduling",), InspectionRecorded),
    "visit.completed": CatalogueEntry("scheduling", ("reports", "volunteers"), VisitCompleted),
    "plan.published": CatalogueEntry("scheduling", (LIVE_SUBSCRIBER,), PlanPublished),
}


class EventEnvelope(BaseModel):
    """What travels on the wire, as JSON. `data` is validated against the catalogue on decode."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    type: str
    version: int = Field(ge=1)
    occurred_at: datetime
    source: str
    data: dict[str, Any]
    correlation_id: str | None = None

    def payload(self) -> EventData:
        return CATALOGUE[self.type].data.model_validate(self.data)


class MalformedEvent(ValueError):
    """Raised for a message that can never be applied; the consumer dead-letters it."""


def new_event(event_type: str, source: str, data: EventData, correlation_id: str | None = None) -> EventEnvelope:
    entry = CATALOGUE.get(event_type)
    if entry is None:
        raise ValueError(f"unknown event type {event_type!r}")
    if entry.source != source:
        raise ValueError(f"{source} may not publish {event_type} (owned by {entry.source})")
    if not isinstance(data, entry.data):
        raise TypeError(f"{event_type} carries {entry.data.__name__}, not {type(data).__name__}")
    return EventEnvelope(
        id=uuid.uuid4(),
        type=event_type,
        version=entry.version,
        occurred_at=datetime.now(UTC),
        source=source,
        data=data.model_dump(mode="json"),
        correlation_id=correlation_id,
    )


def decode_event(raw: Any) -> tuple[EventEnvelope, EventData]:
    """Validate a message from the queue; any defect becomes a MalformedEvent with a reason."""
    if not isinstance(raw, dict):
        raise MalformedEvent(f"event must be a JSON object, got {type(raw).__name__}")
    try:
        envelope = EventEnvelope.model_validate(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"bad envelope: {exc.errors(include_url=False)}") from exc
    entry = CATALOGUE.get(envelope.type)
    if entry is None:
        raise MalformedEvent(f"unknown event type {envelope.type!r}")
    if envelope.source != entry.source:
        raise MalformedEvent(f"{envelope.type} must come from {entry.source}, not {envelope.source}")
    if envelope.version != entry.version:
        raise MalformedEvent(f"{envelope.type} version {envelope.version} is not supported")
    try:
        payload = entry.data.model_validate(envelope.data)
    except ValidationError as exc:
        raise MalformedEvent(f"bad {envelope.type} data: {exc.errors(include_url=False)}") from exc
    return envelope, payload


def subscribers_of(event_type: str) -> tuple[str, ...]:
    return CATALOGUE[event_type].subscribers


def durable_subscribers(event_type: str) -> list[str]:
    """Subscribers that consume from a queue and confirm; unknown types have none."""
    try:
        return [s for s in subscribers_of(event_type) if s != LIVE_SUBSCRIBER]
    except KeyError:
        return []


def consumer_queue(service: str) -> str:
    return f"{service}.events"


def consumer_task(service: str) -> str:
    return f"{service}.consume_event"
