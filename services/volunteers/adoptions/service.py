"""Adoption rules: who may adopt, pledge rhythms, pause and resume, ending, and lapsing.

Every change to an adoption emits exactly one event in the same transaction (`events.py`):
`adoption.started` when it becomes active (start, resume, a new rhythm while active) and
`adoption.ended` when it stops covering the street (pause, lapse, end), with the status in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from kernel.errors import Conflict, Forbidden, NotFound, Unprocessable
from kernel.street_copy import StreetCopyMixin, no_such_street, street_label
from services.volunteers.accounts import repository as accounts
from services.volunteers.accounts.models import Volunteer
from services.volunteers.adoptions import events, repository
from services.volunteers.adoptions.models import (
    ACTIVE,
    ENDED,
    LAPSED,
    PAUSED,
    RHYTHM_DAYS,
    Adoption,
)
from services.volunteers.mail import outbox as mail
from services.volunteers.teams import repository as teams_repository
from services.volunteers.teams import service as teams

MAX_PAUSE_DAYS = 120


def street_or_404(session: Session, street_id: int) -> StreetCopyMixin:
    street = repository.street(session, street_id)
    if street is None:
        raise no_such_street(street_id)
    return street


def _check_rhythm(rhythm: str) -> None:
    if rhythm not in RHYTHM_DAYS:
        choices = ", ".join(RHYTHM_DAYS)
        raise Unprocessable(
            f"the rhythm must be one of {choices}",
            code="rhythm_unknown",
            params={"choices": choices, "field": "rhythm"},
        )


def adopt(
    session: Session,
    volunteer_id: int,
    street_id: int,
    rhythm: str,
    team_id: int | None = None,
    now: datetime | None = None,
) -> Adoption:
    now = now or datetime.now(UTC)
    _check_rhythm(rhythm)
    street_or_404(session, street_id)
    if team_id is not None:
        teams.require_coordinator(session, team_id, volunteer_id)
    existing = repository.open_for(session, street_id, None if team_id else volunteer_id, team_id)
    if existing is not None:
        who = "your team has" if team_id else "you have"
        if existing.status == LAPSED:
            raise Conflict(
                f"{who} adopted this street before and it lapsed; resume that adoption instead",
                code="adoption_lapsed",
                params={"street": street_id},
            )
        raise Conflict(f"{who} already adopted this street", code="already_adopted", params={"street": street_id})
    adoption = Adoption(
        street_id=street_id,
        volunteer_id=None if team_id else volunteer_id,
        team_id=team_id,
        adopted_by=volunteer_id,
        rhythm=rhythm,
        status=ACTIVE,
        started_on=now.date(),
        active_since=now,
        created_at=now,
    )
    session.add(adoption)
    session.flush()
    events.adoption_changed(session, adoption)
    return adoption


def get_managed(session: Session, adoption_id: int, volunteer_id: int) -> Adoption:
    """An adoption the caller may change: their own, or their team's when they coordinate it."""
    adoption = repository.get(session, adoption_id)
    if adoption is None:
        raise NotFound(f"there is no adoption {adoption_id}", code="adoption_unknown", params={"adoption": adoption_id})
    if adoption.team_id is not None:
        teams.require_coordinator(session, adoption.team_id, volunteer_id)
    elif adoption.volunteer_id != volunteer_id:
        raise Forbidden("this is someone else's adoption", code="adoption_not_yours")
    return adoption


def pause(session: Session, adoption: Adoption, until: date, today: date | None = None) -> Adoption:
    today = today or datetime.now(UTC).date()
    if adoption.status != ACTIVE:
        raise Conflict(
            f"only an active adoption can be paused; this one is {adoption.status}",
            code="adoption_not_active",
            params={"status": adoption.status},
        )
    if until <= today:
        raise Unprocessable("pause until a date after today", code="pause_not_ahead", params={"field": "until"})
    if until > today + timedelta(days=MAX_PAUSE_DAYS):
        raise Unprocessable(
            f"a pause lasts at most {MAX_PAUSE_DAYS} days; end the adoption for longer breaks",
            code="pause_too_long",
            params={"days": MAX_PAUSE_DAYS, "field": "until"},
        )
    adoption.status = PAUSED
    adoption.paused_until = until
    events.adoption_changed(session, adoption)
    return adoption


def resume(session: Session, adoption: Adoption, now: datetime | None = None) -> Adoption:
    now = now or datetime.now(UTC)
    if adoption.status not in (PAUSED, LAPSED):
        raise Conflict(
            f"only a paused or lapsed adoption can be resumed; this one is {adoption.status}",
            code="adoption_not_paused",
            params={"status": adoption.status},
        )
    adoption.status = ACTIVE
    adoption.paused_until = None
    adoption.active_since = now
    adoption.last_nudged_at = None
    events.adoption_changed(session, adoption)
    return adoption


def end(session: Session, adoption: Adoption, now: datetime | None = None) -> Adoption:
    if adoption.status == ENDED:
        raise Conflict("this adoption has already ended", code="adoption_ended")
    adoption.status = ENDED
    adoption.paused_until = None
    adoption.ended_at = now or datetime.now(UTC)
    events.adoption_changed(session, adoption)
    return adoption


def change_rhythm(session: Session, adoption: Adoption, rhythm: str) -> Adoption:
    _check_rhythm(rhythm)
    if adoption.status == ENDED:
        raise Conflict("this adoption has ended; adopt the street again", code="adoption_ended")
    if adoption.rhythm == rhythm:
        return adoption  # no change, no event
    adoption.rhythm = rhythm
    events.adoption_changed(session, adoption)
    return adoption


def end_all_of_volunteer(session: Session, volunteer_id: int) -> int:
    ended = 0
    for adoption in repository.open_of_volunteer_only(session, volunteer_id):
        end(session, adoption)
        ended += 1
    return ended


def end_all_of_team(session: Session, team_id: int) -> int:
    ended = 0
    for adoption in repository.open_of_team(session, team_id):
        end(session, adoption)
        ended += 1
    return ended


def pledges_renewed_by(
    session: Session, street_ids: list[int], volunteer_id: int | None, team_id: int | None
) -> list[int]:
    """The open adoptions a pick of these streets by the volunteer (for their team) renews: theirs
    and their teams'. Only reads: a pick asks before its first write, so its transaction holds the
    database's write lock (SQLite) and its rows' locks only for its writes."""
    team_ids = teams_repository.team_ids_of(session, volunteer_id) if volunteer_id is not None else []
    if team_id is not None and team_id not in team_ids:
        team_ids.append(team_id)
    return repository.pledges_of(session, street_ids, volunteer_id, team_ids)


def renew_pledges(session: Session, adoption_ids: list[int], picked_at: datetime) -> None:
    """A pick by the adopter (or their team) renews the pledge clock; no event — scheduling
    learns the pick itself from `pick.logged`."""
    repository.renew_pledges(session, adoption_ids, picked_at)


# ---- pledges kept or not: nudges and lapses ---------------------------------------------------


def silence_since(adoption: Adoption) -> datetime:
    """Since when the pledge has been waiting for a pick."""
    return max(filter(None, [adoption.active_since, adoption.last_pick_at]))


@dataclass
class NudgeOutcome:
    resumed: list[int] = field(default_factory=list)
    nudged: list[int] = field(default_factory=list)
    lapsed: list[int] = field(default_factory=list)


def _recipients(session: Session, adoption: Adoption) -> list[Volunteer]:
    ids = teams_repository.member_ids(session, adoption.team_id) if adoption.team_id else [adoption.volunteer_id]
    people = [accounts.get(session, i) for i in ids if i is not None]
    return [p for p in people if p is not None and p.deleted_at is None and p.email]


def send_nudges_and_mark_lapses(
    session: Session,
    now: datetime | None = None,
    *,
    nudge_after: float = 2.0,
    lapse_after: float = 4.0,
) -> NudgeOutcome:
    """The periodic pledge check.

    - a paused adoption whose `paused_until` has come resumes (`adoption.started`);
    - an active adoption with no pick for `nudge_after` × its rhythm gets one friendly mail per
      silence, through the mail outbox in this transaction (no event: nothing changed for the planner);
    - after `lapse_after` × its rhythm it lapses (`adoption.ended`, status lapsed) so the planner
      no longer counts on it. Running it twice changes nothing more.
    """
    now = now or datetime.now(UTC)
    outcome = NudgeOutcome()
    for adoption in repository.in_statuses(session, (PAUSED,)):
        if adoption.paused_until is not None and adoption.paused_until <= now.date():
            resume(session, adoption, now)
            outcome.resumed.append(adoption.id)
    for adoption in repository.in_statuses(session, (ACTIVE,)):
        rhythm = timedelta(days=RHYTHM_DAYS[adoption.rhythm])
        since = silence_since(adoption)
        silent = now - since
        if silent >= rhythm * lapse_after:
            adoption.status = LAPSED
            events.adoption_changed(session, adoption)
            outcome.lapsed.append(adoption.id)
        elif silent >= rhythm * nudge_after and (adoption.last_nudged_at is None or adoption.last_nudged_at < since):
            street = repository.street(session, adoption.street_id)
            name = street_label(adoption.street_id, street)
            for person in _recipients(session, adoption):
                mail.nudge(session, person, name, adoption.rhythm)
            adoption.last_nudged_at = now
            outcome.nudged.append(adoption.id)
    return outcome
