"""Public data is public on purpose (issue 12): what strangers can read about volunteers."""

from __future__ import annotations

from typing import Any

from services.volunteers.tests.test_service import VolunteersApp, adopt, volunteers_app

__all__ = ["volunteers_app"]  # the fixture, used below by name


def test_an_opted_out_volunteer_is_not_named_as_adopter(volunteers_app: VolunteersApp) -> None:
    app = volunteers_app
    shy, open_ = app.sign_up("Shy Person"), app.sign_up("Open Person")
    app.client.patch("/api/v1/volunteers/me", json={"leaderboard_opt_out": True}, headers=shy.headers)
    adopt(app, shy, 1)
    adopt(app, open_, 1, "monthly")
    for answer in (
        app.client.get("/api/v1/volunteers/streets/1"),
        app.client.get("/api/v1/volunteers/streets", params={"q": "erotta"}),
    ):
        assert answer.status_code == 200
        assert "Shy Person" not in answer.text
        assert "Open Person" in answer.text
    names = [a["name"] for a in app.client.get("/api/v1/volunteers/streets/1").json()["adopters"]]
    assert sorted(names) == ["Open Person", "a volunteer"]


def test_a_stranger_cannot_tell_a_team_from_one_that_does_not_exist(volunteers_app: VolunteersApp) -> None:
    """Not its name, nor that it exists: a non-member gets exactly the answer of an unknown team."""
    app = volunteers_app
    founder, stranger = app.sign_up("Founder"), app.sign_up("Stranger")
    team = app.client.post("/api/v1/volunteers/teams", json={"name": "Secret Garden Club"}, headers=founder.headers)
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    unknown_id = team_id + 10_000

    def probes(some_team: int) -> list[Any]:
        return [
            app.client.get(f"/api/v1/volunteers/teams/{some_team}", headers=stranger.headers),
            app.client.get(f"/api/v1/volunteers/impact/teams/{some_team}", headers=stranger.headers),
            app.client.post(
                "/api/v1/volunteers/adoptions",
                json={"street_id": 1, "rhythm": "weekly", "team_id": some_team},
                headers=stranger.headers,
            ),
        ]

    for answer, unknown in zip(probes(team_id), probes(unknown_id), strict=True):
        assert answer.status_code == unknown.status_code == 404, answer.text
        assert answer.text == unknown.text.replace(str(unknown_id), str(team_id))
        assert "Secret Garden" not in answer.text
