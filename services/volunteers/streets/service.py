"""Finding a street to adopt: by name, or near where the volunteer stands."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kernel.responses import from_row
from kernel.street_copy import StreetCopyMixin, StreetIndexCache
from services.volunteers.accounts import repository as accounts
from services.volunteers.adoptions import repository as adoptions
from services.volunteers.streets import repository
from services.volunteers.streets.schemas import Adopter, LatLon, StreetOut
from services.volunteers.teams import repository as teams

ANONYMOUS_ADOPTER = "a volunteer"


def adopters(session: Session, street_id: int) -> list[Adopter]:
    """Co-adopters by display name or team name: never an email or a phone number. A volunteer
    who opted out of the leaderboard is hidden everywhere public: "a volunteer", not the name."""
    found = []
    for adoption in adoptions.visible_on_street(session, street_id):
        if adoption.team_id is not None:
            team = teams.get(session, adoption.team_id)
            if team is not None:
                found.append(Adopter(name=team.name, kind="team", rhythm=adoption.rhythm, status=adoption.status))
        elif adoption.volunteer_id is not None:
            person = accounts.get(session, adoption.volunteer_id)
            if person is not None and person.deleted_at is None:
                name = ANONYMOUS_ADOPTER if person.leaderboard_opt_out else person.display_name
                found.append(Adopter(name=name, kind="volunteer", rhythm=adoption.rhythm, status=adoption.status))
    return found


def street_out(session: Session, street: StreetCopyMixin, distance_m: float | None = None) -> StreetOut:
    return from_row(
        StreetOut,
        street,
        id=street.street_id,
        length_m=round(street.length_m, 1),
        centroid=LatLon(lat=street.centroid_lat, lon=street.centroid_lon),
        distance_m=None if distance_m is None else round(distance_m, 1),
        adopters=adopters(session, street.street_id),
    )


def search(session: Session, text: str, limit: int) -> list[StreetOut]:
    return [street_out(session, s) for s in repository.search(session, text, limit)]


def near(
    session: Session, index: StreetIndexCache, lat: float, lon: float, radius_m: float, limit: int
) -> list[StreetOut]:
    hits = index.index(session).within(lat, lon, radius_m)[:limit]
    streets = repository.many(session, [int(k) for k, _ in hits])  # type: ignore[call-overload]
    return [
        street_out(session, streets[int(k)], d)  # type: ignore[call-overload]
        for k, d in hits
        if int(k) in streets  # type: ignore[call-overload]
    ]
