"""Group clean-ups: planning (by a team's coordinator), places, the waiting list, the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from kernel.errors import Conflict, NotFound, Unprocessable
from kernel.street_copy import no_such_street
from services.volunteers.accounts import repository as accounts
from services.volunteers.accounts.models import Volunteer
from services.volunteers.mail import outbox as mail
from services.volunteers.sessions import events, repository
from services.volunteers.sessions.models import (
    CANCELLED,
    CONFIRMED,
    PLANNED,
    WAITING,
    WITHDRAWN,
    CleanupSession,
    CleanupSessionStreet,
    CleanupSignup,
)
from services.volunteers.teams import service as teams

MAX_STREETS = 20
MAX_DURATION = timedelta(hours=12)


@dataclass(frozen=True)
class NewSession:
    team_id: int
    title: str
    street_ids: list[int]
    starts_at: datetime
    ends_at: datetime
    capacity: int
    meeting_point: str = ""
    description: str = ""


def get_session_or_404(session: Session, session_id: int, lock: bool = False) -> CleanupSession:
    cleanup = repository.get(session, session_id, lock=lock)
    if cleanup is None:
        raise NotFound(
            f"there is no clean-up session {session_id}", code="cleanup_unknown", params={"cleanup": session_id}
        )
    return cleanup


def plan(session: Session, organiser_id: int, new: NewSession, now: datetime | None = None) -> CleanupSession:
    now = now or datetime.now(UTC)
    teams.require_coordinator(session, new.team_id, organiser_id)
    street_ids = sorted(set(new.street_ids))
    if not street_ids or len(street_ids) > MAX_STREETS:
        raise Unprocessable(
            f"a clean-up covers 1 to {MAX_STREETS} streets",
            code="cleanup_streets",
            params={"max": MAX_STREETS, "field": "street_ids"},
        )
    for street_id in street_ids:
        if repository.street(session, street_id) is None:
            raise no_such_street(street_id, "street_ids")
    if new.starts_at.tzinfo is None or new.ends_at.tzinfo is None:
        raise Unprocessable(
            "give times with a time zone offset, e.g. 2026-05-02T10:00:00+02:00",
            code="time_without_zone",
            params={"field": "starts_at"},
        )
    if new.starts_at <= now:
        raise Unprocessable(
            "a clean-up must start in the future", code="cleanup_in_past", params={"field": "starts_at"}
        )
    if not (new.starts_at < new.ends_at <= new.starts_at + MAX_DURATION):
        hours = int(MAX_DURATION.total_seconds() // 3600)
        raise Unprocessable(
            f"a clean-up ends after it starts, and lasts at most {hours} hours",
            code="cleanup_duration",
            params={"hours": hours, "field": "ends_at"},
        )
    if new.capacity < 1:
        raise Unprocessable("the capacity is at least 1", code="capacity_too_small", params={"field": "capacity"})
    cleanup = CleanupSession(
        team_id=new.team_id,
        organiser_id=organiser_id,
        title=new.title.strip(),
        description=new.description.strip(),
        meeting_point=new.meeting_point.strip(),
        starts_at=new.starts_at.astimezone(UTC),
        ends_at=new.ends_at.astimezone(UTC),
        capacity=new.capacity,
        status=PLANNED,
        created_at=now,
    )
    session.add(cleanup)
    session.flush()
    for street_id in street_ids:
        session.add(CleanupSessionStreet(session_id=cleanup.id, street_id=street_id))
    session.flush()
    events.cleanup_planned(session, cleanup, street_ids)
    return cleanup


def cancel_session(session: Session, session_id: int, coordinator_id: int) -> CleanupSession:
    """Everyone with a place is told by mail (queued in this transaction)."""
    cleanup = get_session_or_404(session, session_id, lock=True)
    teams.require_coordinator(session, cleanup.team_id, coordinator_id)
    if cleanup.status == CANCELLED:
        raise Conflict("this clean-up is already cancelled", code="cleanup_cancelled")
    cleanup.status = CANCELLED
    events.cleanup_planned(session, cleanup, repository.street_ids(session, cleanup.id))
    for signup in repository.confirmed(session, cleanup.id):
        person = accounts.get(session, signup.volunteer_id)
        if person is not None:
            mail.tell_cleanup_cancelled(session, person, cleanup.title, cleanup.starts_at)
    return cleanup


def sign_up(session: Session, session_id: int, volunteer_id: int, now: datetime | None = None) -> CleanupSignup:
    """A place while there is room, else the end of the waiting list."""
    now = now or datetime.now(UTC)
    cleanup = get_session_or_404(session, session_id, lock=True)
    if cleanup.status != PLANNED:
        raise Conflict("this clean-up was cancelled", code="cleanup_cancelled")
    if cleanup.ends_at <= now:
        raise Conflict("this clean-up is over", code="cleanup_over")
    signup = repository.signup(session, session_id, volunteer_id)
    if signup is not None and signup.status in (CONFIRMED, WAITING):
        raise Conflict("you already signed up for this clean-up", code="already_signed_up")
    status = CONFIRMED if repository.count(session, session_id, CONFIRMED) < cleanup.capacity else WAITING
    if signup is None:
        signup = CleanupSignup(session_id=session_id, volunteer_id=volunteer_id)
        session.add(signup)
    signup.status = status
    signup.queued_at = now
    signup.updated_at = now
    session.flush()
    return signup


def waiting_position(session: Session, signup: CleanupSignup) -> int | None:
    if signup.status != WAITING:
        return None
    ids = [s.id for s in repository.waiting_list(session, signup.session_id)]
    return ids.index(signup.id) + 1 if signup.id in ids else None


def _promote(session: Session, cleanup: CleanupSession, now: datetime) -> list[CleanupSignup]:
    """Who waits moves up while there is room, and is told by mail."""
    promoted = []
    room = cleanup.capacity - repository.count(session, cleanup.id, CONFIRMED)
    for signup in list(repository.waiting_list(session, cleanup.id))[: max(0, room)]:
        signup.status = CONFIRMED
        signup.updated_at = now
        promoted.append(signup)
        person = accounts.get(session, signup.volunteer_id)
        if person is not None:
            mail.tell_place_opened(session, person, cleanup.title, cleanup.starts_at)
    session.flush()
    return promoted


def cancel_signup(
    session: Session, session_id: int, volunteer_id: int, now: datetime | None = None
) -> list[CleanupSignup]:
    """Give up a place (or a waiting-list spot); the first on the waiting list moves up."""
    now = now or datetime.now(UTC)
    cleanup = get_session_or_404(session, session_id, lock=True)
    signup = repository.signup(session, session_id, volunteer_id)
    if signup is None or signup.status == WITHDRAWN:
        raise NotFound("you are not signed up for this clean-up", code="not_signed_up")
    signup.status = WITHDRAWN
    signup.updated_at = now
    session.flush()
    if cleanup.status != PLANNED:
        return []
    return _promote(session, cleanup, now)


def change_capacity(session: Session, session_id: int, coordinator_id: int, capacity: int) -> CleanupSession:
    cleanup = get_session_or_404(session, session_id, lock=True)
    teams.require_coordinator(session, cleanup.team_id, coordinator_id)
    if capacity < repository.count(session, session_id, CONFIRMED):
        raise Conflict(
            "more people already have a place; the capacity cannot go below that",
            code="capacity_below_places",
            params={"field": "capacity"},
        )
    cleanup.capacity = capacity
    session.flush()
    _promote(session, cleanup, datetime.now(UTC))
    return cleanup


def cancel_all_signups_of(session: Session, volunteer_id: int) -> None:
    for signup in list(repository.signups_of(session, volunteer_id, (CONFIRMED, WAITING))):
        cancel_signup(session, signup.session_id, volunteer_id)


# ---- the calendar feed -----------------------------------------------------------------------


def calendar(session: Session, volunteer: Volunteer, public_url: str) -> bytes:
    """An iCalendar feed of the volunteer's clean-ups (places and waiting-list spots)."""
    cal = Calendar()
    cal.add("prodid", "-//Streetcare//volunteer clean-ups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Streetcare clean-ups")
    host = public_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "streetcare.example"
    for cleanup, signup in repository.sessions_of(session, volunteer.id):
        streets = [repository.street(session, i) for i in repository.street_ids(session, cleanup.id)]
        names = ", ".join(s.name for s in streets if s is not None)
        event = Event()
        event.add("uid", f"cleanup-{cleanup.id}@{host}")
        event.add("dtstamp", datetime.now(UTC))
        event.add("dtstart", cleanup.starts_at)
        event.add("dtend", cleanup.ends_at)
        waiting = signup.status == WAITING
        event.add("summary", f"{cleanup.title}{' (waiting list)' if waiting else ''}")
        location = cleanup.meeting_point or names
        if location:
            event.add("location", location)
        event.add("description", f"Streets: {names}\n{cleanup.description}".strip())
        event.add("status", "CANCELLED" if cleanup.status == CANCELLED else ("TENTATIVE" if waiting else "CONFIRMED"))
        event.add("url", f"{public_url.rstrip('/')}/volunteer#session-{cleanup.id}")
        cal.add_component(event)
    return cast("bytes", cal.to_ical())  # icalendar leaves to_ical unannotated; it returns the bytes
