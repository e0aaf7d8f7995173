"""Impact: picks, bags and hours per volunteer, team, street and district, the leaderboard, and the
thanks when a crew cleaned a street volunteers adopted (or collected their bags).

The leaderboard is public and privacy-safe: display names and team names only, volunteers who
opted out (and erased accounts) left out, and never anything but counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from kernel.events import VisitCompleted
from kernel.street_copy import street_label
from services.volunteers.accounts import repository as accounts
from services.volunteers.accounts.models import Volunteer
from services.volunteers.adoptions import repository as adoptions
from services.volunteers.bags import repository as bag_records
from services.volunteers.impact import repository
from services.volunteers.impact.schemas import ImpactOut, Leaderboard, LeaderboardEntry
from services.volunteers.mail import outbox as mail
from services.volunteers.picks import repository as pick_records
from services.volunteers.picks.models import Pick
from services.volunteers.teams import repository as teams_repository


def _impact(session: Session, scope: str, pick_ids: Select[Any], since: datetime | None) -> ImpactOut:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    picks, bags, minutes, last, streets = pick_records.totals(session, pick_ids, since)
    return ImpactOut(
        scope=scope,
        picks=picks,
        bags=bags,
        hours=round(minutes / 60, 1),
        streets=streets,
        last_pick_at=last,
        since=since,
    )


def of_volunteer(session: Session, volunteer_id: int, since: datetime | None = None) -> ImpactOut:
    return _impact(session, f"volunteer:{volunteer_id}", pick_records.picks_of_volunteer(volunteer_id), since)


def of_team(session: Session, team_id: int, since: datetime | None = None) -> ImpactOut:
    members = teams_repository.member_ids(session, team_id)
    return _impact(session, f"team:{team_id}", pick_records.picks_of_team(team_id, members), since)


def of_street(session: Session, street_id: int, since: datetime | None = None) -> ImpactOut:
    return _impact(session, f"street:{street_id}", pick_records.picks_on_street(street_id), since)


def of_district(session: Session, district: str, since: datetime | None = None) -> ImpactOut:
    return _impact(session, f"district:{district}", pick_records.picks_in_district(district), since)


def leaderboard(
    session: Session, district: str, days: int = 90, limit: int = 10, now: datetime | None = None
) -> Leaderboard:
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    people = []
    for volunteer_id, picks, bags, minutes in pick_records.ranking(session, district, since, Pick.volunteer_id):
        person = accounts.get(session, volunteer_id)
        if person is None or person.deleted_at is not None or person.leaderboard_opt_out:
            continue
        people.append((person.display_name, int(picks), int(bags), int(minutes)))
    groups = []
    for team_id, picks, bags, minutes in pick_records.ranking(session, district, since, Pick.team_id):
        team = teams_repository.get(session, team_id)
        if team is not None:
            groups.append((team.name, int(picks), int(bags), int(minutes)))

    def ranked(rows: list[tuple[str, int, int, int]]) -> list[LeaderboardEntry]:
        return [
            LeaderboardEntry(rank=i, name=name, picks=picks, bags=bags, hours=round(minutes / 60, 1))
            for i, (name, picks, bags, minutes) in enumerate(rows[:limit], start=1)
        ]

    return Leaderboard(district=district, days=days, volunteers=ranked(people), teams=ranked(groups))


def _people_to_thank(session: Session, data: VisitCompleted) -> list[Volunteer]:
    ids: set[int] = set()
    if data.kind == "bags" and data.bag_request_id is not None:
        request = bag_records.get(session, data.bag_request_id)
        if request is not None and request.volunteer_id is not None:
            ids.add(request.volunteer_id)
    elif data.kind == "clean":
        for adoption in adoptions.visible_on_street(session, data.street_id):
            if adoption.volunteer_id is not None:
                ids.add(adoption.volunteer_id)
            if adoption.team_id is not None:
                ids.update(teams_repository.member_ids(session, adoption.team_id))
    if not ids:
        return []
    found = accounts.present_by_ids(session, ids)
    return [person for person in found if person.email]


def thank_after_visit(session: Session, data: VisitCompleted) -> int:
    """The adopters of a street a crew cleaned, or the volunteer whose bags it collected, are thanked.
    Runs in the event's transaction, so a redelivered event (already in the inbox) thanks nobody twice."""
    street = repository.street_name(session, data.street_id) or street_label(data.street_id, None)
    queued = 0
    for person in _people_to_thank(session, data):
        context = {"kind": data.kind, "street": street, "impact_link": mail.page_link(mail.settings_of(session))}
        if mail.send(session, mail.THANKS, "thanks", person, context) is not None:
            queued += 1
    return queued
