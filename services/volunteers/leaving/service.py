"""Leaving: a volunteer erases their account (and may first download what is held about them), or a
team's last member leaves. What they held ends in the domain that owns it (adoptions, each an event;
clean-up sign-ups, the waiting list moving up); what they did stays, without a name.

This sits above the domains it calls, so none of them needs to know about the others' rows."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from kernel.idempotency import forget_scope
from services.volunteers.accounts import repository as accounts
from services.volunteers.accounts.models import Volunteer
from services.volunteers.adoptions import repository as adoption_records
from services.volunteers.adoptions import service as adoptions
from services.volunteers.bags import repository as bag_records
from services.volunteers.bags import service as bags
from services.volunteers.idempotency.models import IdempotencyRecord
from services.volunteers.picks import repository as pick_records
from services.volunteers.picks import service as picks
from services.volunteers.sessions import repository as session_records
from services.volunteers.sessions import service as sessions
from services.volunteers.teams import repository as team_records
from services.volunteers.teams import service as teams

ERASED_NAME = "former volunteer"


def leave_team(session: Session, team_id: int, volunteer_id: int) -> None:
    """The last member to leave dissolves the team: its streets are no longer adopted."""
    if not teams.leave(session, team_id, volunteer_id):
        adoptions.end_all_of_team(session, team_id)


def delete_account(session: Session, volunteer: Volunteer) -> None:
    """Erase the person, keep what they did: adoptions end (each an event), sign-ups are
    cancelled (the waiting list moves up, told by mail), picks and bag requests stay without a name."""
    adoptions.end_all_of_volunteer(session, volunteer.id)
    sessions.cancel_all_signups_of(session, volunteer.id)
    for team_id in teams.leave_all(session, volunteer.id):
        adoptions.end_all_of_team(session, team_id)
    picks.anonymise(session, volunteer.id)
    bags.anonymise(session, volunteer.id)
    accounts.forget_resets(session, volunteer.id)
    accounts.forget_confirmations(session, volunteer.id)
    forget_scope(session, IdempotencyRecord, f"volunteer:{volunteer.id}")
    volunteer.display_name = ERASED_NAME
    volunteer.email = None
    volunteer.phone = None
    volunteer.password_hash = None
    volunteer.calendar_token = None
    volunteer.leaderboard_opt_out = True
    volunteer.deleted_at = datetime.now(UTC)


# secrets that prove nothing to the person and would be a risk in a downloaded file
EXPORT_WITHHELD = frozenset({"password_hash", "token_hash", "calendar_token", "join_code"})


def _as_record(row: Any) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column in sa_inspect(row).mapper.column_attrs:
        value = getattr(row, column.key)
        if column.key in EXPORT_WITHHELD:
            record[column.key] = "(withheld: a secret)" if value else None
        elif isinstance(value, bytes):
            record[column.key] = base64.b64encode(value).decode()
        else:
            record[column.key] = value
    return record


def records_about(session: Session, volunteer_id: int) -> dict[str, Sequence[Any]]:
    """Every row that holds something about this volunteer, by kind, each from the domain that owns it."""
    return {
        "password_resets": accounts.resets_of(session, volunteer_id),
        "email_confirmations": accounts.confirmations_of(session, volunteer_id),
        "team_memberships": team_records.memberships_of(session, volunteer_id),
        "teams_joined": team_records.teams_joined_by(session, volunteer_id),
        "adoptions": adoption_records.involving(session, volunteer_id),
        "cleanup_signups": session_records.all_signups_of(session, volunteer_id),
        "cleanups_organised": session_records.organised_by(session, volunteer_id),
        "picks": pick_records.all_of_volunteer(session, volunteer_id),
        "pick_streets": pick_records.streets_of_volunteer(session, volunteer_id),
        "pick_photos": pick_records.photos_of_volunteer(session, volunteer_id),
        "bag_requests": bag_records.all_of_volunteer(session, volunteer_id),
    }


def export_data(session: Session, volunteer: Volunteer) -> dict[str, Any]:
    """Everything the volunteers service holds about this person, table by table."""
    rows = records_about(session, volunteer.id)
    return {
        "exported_at": datetime.now(UTC),
        "account": _as_record(volunteer),
        **{kind: [_as_record(row) for row in found] for kind, found in rows.items()},
        "note": (
            "Reports you filed as a resident are kept by the reports service without your account; "
            "photos are base64-encoded."
        ),
    }
