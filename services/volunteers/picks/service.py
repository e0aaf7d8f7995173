"""Logging a pick: it renews the adopter's pledge and tells scheduling the street was cleaned."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from kernel import metrics
from kernel.errors import Unprocessable
from kernel.photos import PhotoLimits, clean_photo
from kernel.street_copy import StreetIndexCache, no_such_street
from services.volunteers.adoptions import service as adoptions
from services.volunteers.picks import events, repository
from services.volunteers.picks.models import Pick, PickPhoto
from services.volunteers.teams import service as teams

MAX_BACKDATE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=10)
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# The claimed type in the data URL is not trusted: the bytes are decoded, bounded and re-encoded.
PICK_PHOTO_LIMITS = PhotoLimits(max_bytes=MAX_PHOTO_BYTES, max_pixels=40_000_000, max_side_px=1600, thumbnail_px=320)


@dataclass(frozen=True)
class NewPick:
    street_ids: list[int]
    minutes: int
    bags: int
    picked_at: datetime | None = None
    note: str = ""
    team_id: int | None = None
    photo: str | None = None  # a data: URL (data:image/jpeg;base64,...)


def decode_photo(data_url: str) -> tuple[str, bytes]:
    """A phone's data URL → a clean JPEG (no EXIF, no GPS), whatever type the URL claimed."""
    header, _, payload = data_url.partition(",")
    if not header.startswith("data:") or ";base64" not in header:
        raise Unprocessable(
            "the photo must be a data URL: data:image/jpeg;base64,…",
            code="photo_unsupported",
            params={"field": "photo"},
        )
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise Unprocessable(
            "the photo is not valid base64", code="photo_unsupported", params={"field": "photo"}
        ) from None
    return "image/jpeg", clean_photo(raw, PICK_PHOTO_LIMITS).jpeg


@dataclass(frozen=True)
class LoggedPick:
    """A pick just logged, with what its answer shows (known while logging it: no query again)."""

    pick: Pick
    street_labels: dict[int, str]
    has_photo: bool


def log_pick(
    session: Session,
    streets: StreetIndexCache,
    volunteer_id: int | None,
    new: NewPick,
    now: datetime | None = None,
) -> LoggedPick:
    """`streets`: the process's copy of the registry in memory, which says which streets exist and
    their names without a query (a pick names streets a volunteer chose from that copy)."""
    now = now or datetime.now(UTC)
    street_ids = sorted(set(new.street_ids))
    if not street_ids:
        raise Unprocessable("name at least one street", code="streets_missing", params={"field": "street_ids"})
    known = streets.known_labels(session, street_ids)
    for street_id in street_ids:
        if street_id not in known:
            raise no_such_street(street_id, "street_ids")
    picked_at = new.picked_at or now
    if picked_at.tzinfo is None:
        raise Unprocessable(
            "give picked_at with a time zone offset", code="time_without_zone", params={"field": "picked_at"}
        )
    if picked_at > now + CLOCK_SKEW:
        raise Unprocessable(
            "a pick cannot be logged in the future", code="pick_in_future", params={"field": "picked_at"}
        )
    if picked_at < now - MAX_BACKDATE:
        raise Unprocessable(
            f"picks older than {MAX_BACKDATE.days} days cannot be logged",
            code="pick_too_old",
            params={"days": MAX_BACKDATE.days, "field": "picked_at"},
        )
    if new.team_id is not None and volunteer_id is not None:
        teams.require_member(session, new.team_id, volunteer_id)
    photo = decode_photo(new.photo) if new.photo else None
    # every read before the first write: from the INSERT on, the transaction holds SQLite's write lock
    pledges = adoptions.pledges_renewed_by(session, street_ids, volunteer_id, new.team_id)
    pick = repository.insert_pick(
        session,
        {
            "volunteer_id": volunteer_id,
            "team_id": new.team_id,
            "picked_at": picked_at.astimezone(UTC),
            "minutes": new.minutes,
            "bags": new.bags,
            "note": new.note.strip(),
            "created_at": now,
        },
    )
    repository.add_streets(session, pick.id, street_ids)
    if photo is not None:
        session.add(PickPhoto(pick_id=pick.id, content_type=photo[0], data=photo[1]))
    adoptions.renew_pledges(session, pledges, pick.picked_at)
    events.pick_logged(session, pick, street_ids)
    metrics.PICKS_LOGGED.inc()
    return LoggedPick(pick, known, photo is not None)


def anonymise(session: Session, volunteer_id: int) -> None:
    repository.anonymise(session, volunteer_id)
