"""`streetcare`: run the stack, load the demo, import streets, simulate, benchmark, inspect."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.settings import DEFAULT_VAR_DIR, LogLevel
from services.scheduling.streets.naming import DEFAULT_DISTRICT_NAMING, DISTRICT_NAMINGS
from streetcare.progress import Progress

SERVICES = ("scheduling", "reports", "volunteers")
MIN_PASSWORD_LENGTH = 10  # as the staff API asks


class CliSettings(BaseSettings):
    """What the `streetcare` command itself reads from the environment (each service it runs in
    process reads its own settings class)."""

    model_config = SettingsConfigDict(extra="ignore")

    var_dir: Path = Field(default=DEFAULT_VAR_DIR, validation_alias="STREETCARE_VAR_DIR")
    redis_url: str = Field(default="", validation_alias="REDIS_URL")
    smtp_url: str = Field(default="", validation_alias="STREETCARE_SMTP_URL")
    volunteers_public_url: str | None = Field(default=None, validation_alias="VOLUNTEERS_PUBLIC_URL")
    # ports asked for (`make run`); empty: the default, or a free port when that one is taken
    gateway_port: str = Field(default="", validation_alias="GATEWAY_PORT")
    scheduling_port: str = Field(default="", validation_alias="SCHEDULING_PORT")
    reports_port: str = Field(default="", validation_alias="REPORTS_PORT")
    volunteers_port: str = Field(default="", validation_alias="VOLUNTEERS_PORT")
    workers_metrics_port: str = Field(default="", validation_alias="WORKERS_METRICS_PORT")
    planner_metrics_port: str = Field(default="", validation_alias="PLANNER_METRICS_PORT")
    mailcatcher_port: str = Field(default="", validation_alias="MAILCATCHER_PORT")
    # `make run` is quiet unless asked: every process it starts logs at this level (uvicorn and
    # Celery included); STREETCARE_LOG_LEVEL=debug brings the detail back
    log_level: LogLevel = Field(default="warning", validation_alias="STREETCARE_LOG_LEVEL")

    @property
    def demo_credentials(self) -> Path:
        return self.var_dir / "demo-credentials.json"

    @property
    def local_secrets(self) -> Path:
        return self.var_dir / "local-secrets.json"

    def ports_asked(self) -> dict[str, str]:
        """The port settings by their variable names (GATEWAY_PORT, ...), as `local.choose_ports` takes them."""
        return {
            str(field.validation_alias): getattr(self, name)
            for name, field in type(self).model_fields.items()
            if name.endswith("_port")
        }


def _local_secrets(settings: CliSettings) -> dict[str, str]:
    """Random per-checkout secrets for a local run, made once and kept under var/."""
    secrets_file = settings.local_secrets
    if secrets_file.exists():
        return dict(json.loads(secrets_file.read_text()))
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    values = {
        "STREETCARE_TOKEN_SECRET": secrets.token_urlsafe(32),
        "STREETCARE_SERVICE_TOKEN": secrets.token_urlsafe(32),
    }
    secrets_file.write_text(json.dumps(values, indent=2))
    secrets_file.chmod(0o600)
    return values


def _apply_local_environment(settings: CliSettings) -> None:
    """Configure the services this command runs (in process and as children) for a local demo."""
    os.environ.setdefault("STREETCARE_DEMO_MODE", "1")
    # what the local SMTP catcher the Procfile starts (aiosmtpd) caught, for admins to read
    os.environ.setdefault("STREETCARE_MAIL_CATCHER_DIR", str(settings.var_dir / "mailcatcher"))
    for key, value in _local_secrets(settings).items():
        os.environ.setdefault(key, value)


def cmd_migrate(args: argparse.Namespace) -> int:
    from services.reports import admin as reports_admin
    from services.scheduling import admin as scheduling_admin
    from services.volunteers import admin as volunteers_admin

    migrations: dict[str, Callable[[], None]] = {
        "scheduling": scheduling_admin.migrate,
        "reports": reports_admin.migrate,
        "volunteers": volunteers_admin.migrate,
    }
    for service in [args.service] if args.service else SERVICES:
        migrations[service]()
        print(f"migrated {service}")
    return 0


def cmd_import_streets(args: argparse.Namespace) -> int:
    from services.scheduling import admin

    path = Path(args.file)
    if not path.exists():
        print(f"error: {path} does not exist", file=sys.stderr)
        return 2
    admin.migrate()
    try:  # a city's extract takes minutes: say what it is doing
        result = admin.import_streets(path, progress=Progress(), district_names=args.district_names)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"imported {path.name}: {result.created} new, {result.updated} updated, {result.unchanged} unchanged streets")
    return 0


def _demo_credentials(credentials_file: Path) -> dict[str, Any]:
    if credentials_file.exists():
        return dict(json.loads(credentials_file.read_text()))
    return {
        "dispatcher": {"email": "dispatcher@streetcare.example", "password": secrets.token_urlsafe(12)},
        "inspector": {"email": "inspector@streetcare.example", "password": secrets.token_urlsafe(12)},
        "admin": {"email": "admin@streetcare.example", "password": secrets.token_urlsafe(12)},
        "volunteer": {"email": "volunteer@streetcare.example", "password": secrets.token_urlsafe(12)},
    }


def cmd_demo(args: argparse.Namespace) -> int:
    from kernel.auth import Role
    from services.reports import admin as reports_admin
    from services.scheduling import admin as scheduling_admin
    from services.volunteers import admin as volunteers_admin

    settings = CliSettings()
    _apply_local_environment(settings)
    cmd_migrate(argparse.Namespace(service=None))
    loaded = scheduling_admin.load_demo_city()
    if loaded is not None:
        print(f"loaded the demo city: {loaded.created} streets")
    seeded_crews = scheduling_admin.seed_demo_crews()
    if seeded_crews:
        print(f"added {seeded_crews} demo crews")
    credentials_file = settings.demo_credentials
    credentials = _demo_credentials(credentials_file)
    staff = {
        "dispatcher": ("Demo dispatcher", Role.DISPATCHER),
        "inspector": ("Demo inspector", Role.INSPECTOR),
        "admin": ("Demo admin", Role.ADMIN),
    }
    for key, (name, role) in staff.items():
        scheduling_admin.ensure_staff(credentials[key]["email"], name, role, credentials[key]["password"])
    volunteers_admin.ensure_volunteer(
        credentials["volunteer"]["email"], "Demo volunteer", credentials["volunteer"]["password"]
    )
    open311_key = reports_admin.ensure_api_client("Streetcare demo app", credentials.get("open311_api_key"))
    credentials["open311_api_key"] = open311_key
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(json.dumps(credentials, indent=2))
    credentials_file.chmod(0o600)
    print(f"demo logins and the Open311 API key are in {credentials_file}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The whole stack under supervisord: Redis first, then the demo city, then the Procfile."""
    from streetcare import local

    # Ctrl-C and TERM stop the stack, even when a script started us with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    settings = CliSettings()
    _apply_local_environment(settings)
    ports = local.choose_ports(settings.ports_asked())
    redis_plan = local.plan_redis(settings.redis_url, settings.var_dir)
    # the children inherit this command's environment, with the local stack's settings on top
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, **local.venv_path_env(), "REDIS_URL": redis_plan.url}
    env.update(
        {
            "GATEWAY_SCHEDULING_URL": f"http://127.0.0.1:{ports['SCHEDULING_PORT']}",
            "GATEWAY_REPORTS_URL": f"http://127.0.0.1:{ports['REPORTS_PORT']}",
            "GATEWAY_VOLUNTEERS_URL": f"http://127.0.0.1:{ports['VOLUNTEERS_PORT']}",
            # mail goes to the local SMTP catcher unless a real server is configured
            "STREETCARE_LOG_LEVEL": settings.log_level,
            "STREETCARE_SMTP_URL": settings.smtp_url or f"smtp://127.0.0.1:{ports['MAILCATCHER_PORT']}",
            "VOLUNTEERS_PUBLIC_URL": settings.volunteers_public_url
            if settings.volunteers_public_url is not None
            else f"http://127.0.0.1:{ports['GATEWAY_PORT']}",
        }
    )
    os.environ.update(env)
    stack = local.LocalStack.from_procfile(env, redis_plan, settings.var_dir)
    try:
        stack.start_redis()
        cmd_demo(args)  # with Redis up, the demo city's street events leave at once
        stack.start_processes()
        gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
        print(f"Streetcare: starting on {gateway}; logs in {stack.supervisor.log_dir}", flush=True)
        stack.wait_usable(gateway, settings.demo_credentials, lambda line: print(line, flush=True))
        print(f"Streetcare is ready: {gateway}  (Ctrl-C stops everything)", flush=True)
        return stack.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        left = stack.stop()
        print("stopped every process" if not left else f"still running after stop: {left}", flush=True)


def _read_password(confirm: bool) -> str:
    """The new password: asked twice on a terminal, else the first line of stdin (never an argument)."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if confirm and getpass.getpass("again: ") != password:
            raise ValueError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def cmd_admin_create_user(args: argparse.Namespace) -> int:
    from email_validator import EmailNotValidError, validate_email

    try:
        email = validate_email(args.email, check_deliverability=False).normalized.lower()
        password = _read_password(confirm=True)
    except (EmailNotValidError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"error: the password needs at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
        return 2
    from kernel.auth import Role  # the services load only once the input is known to be good
    from services.scheduling import admin as scheduling_admin

    scheduling_admin.migrate()
    name = args.name or email.split("@", 1)[0]
    scheduling_admin.ensure_staff(email, name, Role(args.role), password)
    print(f"{args.role} {email} can log in (an existing account got this role and password)")
    return 0


def cmd_open311_keys(args: argparse.Namespace) -> int:
    from kernel.errors import DomainError
    from services.reports import admin as reports_admin

    reports_admin.migrate()
    try:
        if args.action == "issue":
            client, key = reports_admin.issue_api_key(args.name)
            print(f"issued key {client.id} for {client.name!r}; it is shown only now:", file=sys.stderr)
            print(key)
        elif args.action == "list":
            for client in reports_admin.list_api_clients(include_revoked=args.all):
                revoked = f"  revoked {client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else ""
                print(f"{client.id}\t{client.name}\tissued {client.created_at:%Y-%m-%d %H:%M}{revoked}")
        else:
            client = reports_admin.revoke_api_client(args.id)
            print(f"revoked key {client.id} ({client.name})")
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _local_stack_redis_url(var_dir: Path) -> str | None:
    """The Redis `make run` started for this checkout: the redis-server working in var/redis (Redis
    changes into its `--dir` and titles its process `redis-server 127.0.0.1:PORT`)."""
    data_dir = (var_dir / "redis").resolve()
    for process in Path("/proc").glob("[0-9]*"):
        try:
            title = (process / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
            if not title or not title[0].endswith("redis-server") or (process / "cwd").resolve() != data_dir:
                continue
        except OSError:  # another user's process, or gone
            continue
        for word in title[1:]:
            host, _, port = word.rpartition(":")
            if host and port.isdigit():
                return f"redis://{host if host not in ('*', '0.0.0.0') else '127.0.0.1'}:{port}/0"
    return None


def _dead_letters_redis_url(settings: CliSettings) -> tuple[str, str]:
    """(url, where it came from): REDIS_URL, else the running local stack's Redis, else the default."""
    if settings.redis_url:
        return settings.redis_url, "REDIS_URL"
    local_url = _local_stack_redis_url(settings.var_dir)
    if local_url:
        return local_url, f"the Redis `make run` started ({settings.var_dir / 'redis'})"
    return "redis://127.0.0.1:6379/0", "the default; set REDIS_URL to read another"


def cmd_dead_letters(args: argparse.Namespace) -> int:
    import redis

    from kernel.bus import DeadLetterQueue, make_redis

    url, source = _dead_letters_redis_url(CliSettings())
    print(f"reading {url} ({source})", file=sys.stderr)
    queue = DeadLetterQueue(make_redis(url))
    try:
        for entry in queue.entries(args.limit):
            print(json.dumps(entry))
        print(f"{queue.count()} message(s) in the dead-letter queue", file=sys.stderr)
    except redis.RedisError as exc:
        print(f"error: {url} does not answer ({exc}); is the stack running?", file=sys.stderr)
        return 2
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from streetcare.sim.cli import run_simulation

    return run_simulation(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from streetcare.bench.cli import run_bench

    return run_bench(args)


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, where it has one worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "%(default)" in text or action.default in (None, False, argparse.SUPPRESS) or action.nargs == 0:
            return text
        if action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
            return f"{text} (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streetcare", description=__doc__, formatter_class=HelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(parent: Any, name: str, help_text: str) -> argparse.ArgumentParser:
        made: argparse.ArgumentParser = parent.add_parser(
            name, help=help_text, description=help_text, formatter_class=HelpFormatter
        )
        return made

    command(sub, "run", "start the whole stack locally (what `make run` does)").set_defaults(func=cmd_run)
    command(sub, "demo", "migrate, load the demo city and write var/demo-credentials.json").set_defaults(func=cmd_demo)
    migrate = command(sub, "migrate", "apply database migrations")
    migrate.add_argument("--service", choices=SERVICES, help="only this service's database (default: all three)")
    migrate.set_defaults(func=cmd_migrate)
    importer = command(sub, "import-streets", "import streets from GeoJSON or OSM .osm.pbf")
    importer.add_argument(
        "file", help="a GeoJSON FeatureCollection of LineStrings or an OSM extract (.osm.pbf); run again to update"
    )
    importer.add_argument(
        "--district-names",
        choices=DISTRICT_NAMINGS,
        default=DEFAULT_DISTRICT_NAMING,
        help="how districts the import computes are named (streets without a district property or an OSM "
        "admin boundary): 'data' from the extract (an OSM suburb/quarter/neighbourhood place, else the most "
        "common addr:suburb, else the district's longest street), 'street' its longest street, 'compass-en' / "
        "'compass-nl' the direction from the centre in English or Dutch",
    )
    importer.set_defaults(func=cmd_import_streets)
    admin = command(sub, "admin", "accounts for staff: the first admin of a production install")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create_user = command(
        admin_sub,
        "create-user",
        "create a staff account (or give an existing one a new role and password); "
        "the password is asked for, or read from the first line of stdin — never an argument",
    )
    create_user.add_argument("--email", required=True, help="the login")
    create_user.add_argument(
        "--role", choices=("admin", "dispatcher", "inspector"), default="admin", help="what they may do"
    )
    create_user.add_argument("--name", help="shown in the pages (default: the part of the email before @)")
    create_user.set_defaults(func=cmd_admin_create_user)
    keys = command(sub, "open311-keys", "Open311 API keys for client apps: issue, list, revoke")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    issue = command(keys_sub, "issue", "issue a key (printed once on stdout; only its hash is kept)")
    issue.add_argument("--name", required=True, help="the client app the key is for")
    listing = command(keys_sub, "list", "the client apps holding a key (never the keys)")
    listing.add_argument("--all", action="store_true", help="include revoked keys (default: only active ones)")
    revoke = command(keys_sub, "revoke", "revoke a key by the id `list` shows")
    revoke.add_argument("id", type=int, help="the client id")
    keys.set_defaults(func=cmd_open311_keys)
    dlq = command(
        sub,
        "dead-letters",
        "show messages in the dead-letter queue of REDIS_URL, else of the Redis `make run` started, "
        "else of redis://127.0.0.1:6379/0 (it says which it read)",
    )
    dlq.add_argument("--limit", type=int, default=50, help="show at most this many")
    dlq.set_defaults(func=cmd_dead_letters)
    simulate = command(sub, "simulate", "run the city simulator and compare policies")
    simulate.set_defaults(func=cmd_simulate)
    bench = command(sub, "bench", "speed benchmarks: planner, ingest, replan")
    bench.set_defaults(func=cmd_bench)
    _extend_optional(simulate, "streetcare.sim.options")
    _extend_optional(bench, "streetcare.bench.cli")
    return parser


def _extend_optional(parser: argparse.ArgumentParser, module: str) -> None:
    """Simulator and benchmark options live beside their code."""
    import contextlib
    import importlib

    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(module).add_arguments(parser)


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValidationError as error:  # a setting the environment got wrong: say which, not a traceback
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or error.title
            print(f"configuration error ({where}): {problem['msg']}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
