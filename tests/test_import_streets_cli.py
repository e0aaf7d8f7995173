"""`streetcare import-streets` on the real central-Helsinki extract: the districts it computes are named as
`--district-names` asks, in the registry the services read, and a re-import renames the same streets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from conftest import TEST_SERVICE_TOKEN, TEST_TOKEN_SECRET

HELSINKI = next(
    (
        p / "helsinki-centre.osm.pbf"
        for p in (Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data"))
        if p.is_dir()
    ),
    None,
)
pytestmark = pytest.mark.skipif(HELSINKI is None, reason="the OSM extracts in ../shared/data are missing")


def registry(settings: Any) -> dict[str, str]:
    """external id → district, as the scheduling service has them."""
    from services.scheduling import admin
    from services.scheduling.streets.models import Street

    with admin._transaction(settings) as session:
        return dict(session.execute(select(Street.external_id, Street.district)).all())


def test_import_streets_names_districts_as_asked(
    migrated: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.scheduling.streets import service as streets_service
    from streetcare.cli import main

    settings = migrated["scheduling"]
    monkeypatch.setenv("SCHEDULING_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("STREETCARE_TOKEN_SECRET", TEST_TOKEN_SECRET)
    monkeypatch.setenv("STREETCARE_SERVICE_TOKEN", TEST_SERVICE_TOKEN)
    monkeypatch.setenv("STREETCARE_VAR_DIR", str(tmp_path))

    monkeypatch.setattr(streets_service, "STREETS_PER_PROGRESS_LINE", 30)
    assert main(["import-streets", str(HELSINKI), "--district-names", "compass-en"]) == 0
    said = capsys.readouterr()
    assert "78 new" in said.out
    # what a long import is doing, on stderr, each line with the seconds since it started
    steps = [line.split("] ", 1)[1] for line in said.err.splitlines()]
    assert steps[0].startswith("read helsinki-centre.osm.pbf: 750 named street ways, 6 places")
    assert steps[1:] == [
        "78 streets in 1 district; registering them",
        "registered 30 of 78 streets (30 new, 0 updated)",
        "registered 60 of 78 streets (60 new, 0 updated)",
    ]
    assert set(registry(settings).values()) == {"Centre"}  # 78 streets: one district, the centre

    assert main(["import-streets", str(HELSINKI)]) == 0  # the default names it from the extract
    assert "78 updated" in capsys.readouterr().out
    first = registry(settings)
    assert set(first.values()) == {"Kluuvi"}  # the OSM suburb nearest the middle of the city

    assert main(["import-streets", str(HELSINKI), "--district-names", "street"]) == 0
    by_street = registry(settings)
    assert by_street.keys() == first.keys() and set(by_street.values()) == {"Aleksanterinkatu"}  # most metres of street

    with pytest.raises(SystemExit) as refused:
        main(["import-streets", str(HELSINKI), "--district-names", "zuidwest"])
    assert refused.value.code == 2 and "invalid choice: 'zuidwest'" in capsys.readouterr().err
