"""Settings are read from the environment by a settings instance, when it is made, never at import."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.settings import DEFAULT_VAR_DIR
from services.reports.settings import ReportsSettings
from services.scheduling.settings import SchedulingSettings
from services.volunteers.settings import VolunteersSettings
from streetcare.cli import CliSettings, _dead_letters_redis_url
from streetcare.testing import HarnessSettings
from workers.settings import WorkerSettings


@pytest.fixture(autouse=True)
def _demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREETCARE_DEMO_MODE", "1")
    for name in (
        "STREETCARE_VAR_DIR",
        "STREETCARE_MAIL_CATCHER_DIR",
        "SCHEDULING_DATABASE_URL",
        "REPORTS_DATABASE_URL",
        "REPORTS_PHOTO_DIR",
        "VOLUNTEERS_DATABASE_URL",
        "WORKERS_BEAT_SCHEDULE_FILE",
        "REDIS_URL",
        "GATEWAY_PORT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_var_dir_set_after_import_moves_every_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert SchedulingSettings().database_url == f"sqlite:///{DEFAULT_VAR_DIR / 'scheduling.db'}"
    monkeypatch.setenv("STREETCARE_VAR_DIR", str(tmp_path))
    assert SchedulingSettings().database_url == f"sqlite:///{tmp_path / 'scheduling.db'}"
    reports = ReportsSettings()
    assert reports.database_url == f"sqlite:///{tmp_path / 'reports.db'}"
    assert reports.photo_dir == str(tmp_path / "photos")
    assert reports.mail_catcher_dir == str(tmp_path / "mailcatcher")
    volunteers = VolunteersSettings()
    assert volunteers.database_url == f"sqlite:///{tmp_path / 'volunteers.db'}"
    assert volunteers.mail_catcher_dir == str(tmp_path / "mailcatcher")
    assert WorkerSettings().beat_schedule_file == str(tmp_path / "celerybeat-schedule")
    assert CliSettings().demo_credentials == tmp_path / "demo-credentials.json"


def test_an_explicit_path_setting_still_wins_over_the_var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STREETCARE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SCHEDULING_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("REPORTS_PHOTO_DIR", "/srv/photos")
    assert SchedulingSettings().database_url == "sqlite:///elsewhere.db"
    assert ReportsSettings().photo_dir == "/srv/photos"


def test_the_cli_reads_redis_and_ports_through_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6999/3")
    monkeypatch.setenv("GATEWAY_PORT", "8765")
    settings = CliSettings()
    assert _dead_letters_redis_url(settings) == ("redis://127.0.0.1:6999/3", "REDIS_URL")
    asked = settings.ports_asked()
    assert asked["GATEWAY_PORT"] == "8765"
    assert asked["SCHEDULING_PORT"] == ""
    assert set(asked) == {
        "GATEWAY_PORT",
        "SCHEDULING_PORT",
        "REPORTS_PORT",
        "VOLUNTEERS_PORT",
        "WORKERS_METRICS_PORT",
        "PLANNER_METRICS_PORT",
        "MAILCATCHER_PORT",
    }


def test_the_harness_reads_its_database_choice_through_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+psycopg://someone@db.example/test")
    monkeypatch.setenv("STREETCARE_SCREENS", "1")
    harness = HarnessSettings()
    assert harness.test_database_url == "postgresql+psycopg://someone@db.example/test"
    assert harness.screens == "1"


def test_log_levels_follow_the_settings_in_any_case_and_make_run_is_quiet_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import ValidationError

    from streetcare.local import procfile_commands

    monkeypatch.delenv("STREETCARE_LOG_LEVEL", raising=False)
    assert CliSettings().log_level == "warning"  # `make run` is quiet by default
    assert ReportsSettings().log_level == "info"  # a deployed service says what it does
    monkeypatch.setenv("STREETCARE_LOG_LEVEL", "DEBUG")
    assert CliSettings().log_level == ReportsSettings().log_level == WorkerSettings().log_level == "debug"
    monkeypatch.setenv("STREETCARE_LOG_LEVEL", "loud")
    with pytest.raises(ValidationError, match="debug"):
        CliSettings()

    ports = dict.fromkeys(("GATEWAY_PORT", "SCHEDULING_PORT", "REPORTS_PORT", "VOLUNTEERS_PORT"), "1")
    ports |= {"PLANNER_METRICS_PORT": "2", "MAILCATCHER_PORT": "3", "STREETCARE_MAIL_CATCHER_DIR": "/tmp/mail"}
    commands = procfile_commands({**ports, "STREETCARE_LOG_LEVEL": "ERROR"})
    levelled = {name: command for name, command in commands.items() if name != "mailcatcher"}
    assert levelled and all(
        "--log-level error" in command or "--loglevel error" in command for command in levelled.values()
    ), levelled


def test_every_cli_option_is_explained_and_shows_its_default() -> None:
    """`streetcare … --help` is the reference an operator reads: no option without a word about it."""
    import argparse

    from streetcare.cli import build_parser

    def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
        found = [parser]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    found += parsers(child)
        return found

    unexplained, shown = [], 0
    for parser in parsers(build_parser()):
        text = parser.format_help()
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if not action.help:
                unexplained.append(f"{parser.prog} {action.dest}")
            elif action.default not in (None, False) and action.option_strings:
                assert f"(default: {action.default})" in " ".join(text.split()), (parser.prog, action.dest)
                shown += 1
    assert not unexplained, unexplained
    assert shown >= 10  # simulate and bench have many


def test_a_wrong_setting_stops_a_cli_command_with_a_line_that_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from streetcare.cli import main

    monkeypatch.setenv("STREETCARE_DEMO_MODE", "0")
    monkeypatch.delenv("STREETCARE_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("STREETCARE_VAR_DIR", str(tmp_path))
    streets = tmp_path / "streets.geojson"
    streets.write_text('{"type": "FeatureCollection", "features": []}')
    assert main(["import-streets", str(streets)]) == 2
    said = capsys.readouterr().err
    assert said.startswith("configuration error") and "STREETCARE_TOKEN_SECRET" in said and "Traceback" not in said
