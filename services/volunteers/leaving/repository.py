"""Every row that holds something about one volunteer, across this service's domains (read only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.volunteers.accounts.models import EmailConfirmation, PasswordReset
from services.volunteers.adoptions.models import Adoption
from services.volunteers.bags.models import BagRequest
from services.volunteers.picks.models import Pick, PickPhoto, PickStreet
from services.volunteers.sessions.models import CleanupSession, CleanupSignup
from services.volunteers.teams.models import Team, TeamMember


def records_about(session: Session, volunteer_id: int) -> dict[str, list[Any]]:
    """Every row that holds something about this volunteer, by kind (for the GDPR export)."""
    my_picks = select(Pick.id).where(Pick.volunteer_id == volunteer_id)
    return {
        "password_resets": list(
            session.scalars(select(PasswordReset).where(PasswordReset.volunteer_id == volunteer_id))
        ),
        "email_confirmations": list(
            session.scalars(select(EmailConfirmation).where(EmailConfirmation.volunteer_id == volunteer_id))
        ),
        "team_memberships": list(session.scalars(select(TeamMember).where(TeamMember.volunteer_id == volunteer_id))),
        "teams_joined": list(
            session.scalars(
                select(Team).where(
                    Team.id.in_(select(TeamMember.team_id).where(TeamMember.volunteer_id == volunteer_id))
                )
            )
        ),
        "adoptions": list(
            session.scalars(
                select(Adoption).where(or_(Adoption.volunteer_id == volunteer_id, Adoption.adopted_by == volunteer_id))
            )
        ),
        "cleanup_signups": list(
            session.scalars(select(CleanupSignup).where(CleanupSignup.volunteer_id == volunteer_id))
        ),
        "cleanups_organised": list(
            session.scalars(select(CleanupSession).where(CleanupSession.organiser_id == volunteer_id))
        ),
        "picks": list(session.scalars(select(Pick).where(Pick.volunteer_id == volunteer_id))),
        "pick_streets": list(session.scalars(select(PickStreet).where(PickStreet.pick_id.in_(my_picks)))),
        "pick_photos": list(session.scalars(select(PickPhoto).where(PickPhoto.pick_id.in_(my_picks)))),
        "bag_requests": list(session.scalars(select(BagRequest).where(BagRequest.volunteer_id == volunteer_id))),
    }
