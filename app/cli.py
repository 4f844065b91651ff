"""`warroom serve | db upgrade | templates … | catalog … | playbooks … | drills check |
glossary export | postmortem INC-n | report` (also `python -m app`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path

from app import log_output
from app.config import ConfigError, Settings, load_config

log = logging.getLogger("warroom")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        log_output.configure(log_output.log_format(os.environ.get("WARROOM_LOG_FORMAT")))
        return int(args.run(args))
    except ConfigError as exc:
        log_output.report_fatal(str(exc))
        return 2
    except Exception:  # through the redacting handler, not Python's raw traceback on stderr
        log.exception("warroom stopped on an unexpected error")
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warroom", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    serve = commands.add_parser("serve", help="run the bot (Socket Mode, or HTTP with --http)")
    serve.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument(
        "--web-port",
        type=int,
        default=None,
        help="Socket Mode: also serve the alert webhooks and /healthz on this port",
    )
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="action")
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    templates = commands.add_parser("templates", help="message templates")
    template_commands = templates.add_subparsers(required=True, metavar="action")
    template_commands.add_parser(
        "check", help="render every template with sample data and verify approvals"
    ).set_defaults(run=_templates_check)
    approve = template_commands.add_parser(
        "approve", help="record a template's current wording as approved (in approvals.lock)"
    )
    approve.add_argument("name", help="template name without .j2, e.g. updates/customer")
    approve.add_argument("--by", required=True, help='who approves, e.g. "Dana Lee, Legal"')
    approve.add_argument("--on", type=date.fromisoformat, help="date (default: today)")
    approve.set_defaults(run=_templates_approve)
    catalog = commands.add_parser("catalog", help="the catalog of models and business functions")
    catalog_commands = catalog.add_subparsers(required=True, metavar="action")
    catalog_commands.add_parser(
        "check", help="validate the catalog; exits non-zero naming each problem"
    ).set_defaults(run=_catalog_check)
    imported = catalog_commands.add_parser(
        "import-mlflow",
        help="build or merge catalog entries from the MLflow registry (WARROOM_MLFLOW_URI)",
    )
    imported.add_argument("--out", type=Path, help="write (and merge into) this file")
    imported.set_defaults(run=_catalog_import)
    playbooks = commands.add_parser("playbooks", help="playbook files (WARROOM_PLAYBOOKS_DIR)")
    playbook_commands = playbooks.add_subparsers(required=True, metavar="action")
    playbook_commands.add_parser(
        "check", help="validate every playbook file; exits non-zero naming each problem"
    ).set_defaults(run=_playbooks_check)
    playbook_commands.add_parser("list", help="the playbooks and their titles").set_defaults(
        run=_playbooks_list
    )
    report = commands.add_parser("report", help="the incident numbers over a period")
    report.add_argument("--since", default="90d", help="how far back, e.g. 90d (default), 365d")
    report.add_argument("--format", choices=("text", "csv", "html"), default="text")
    report.add_argument("--out", type=Path, help="write to this file instead of printing")
    report.set_defaults(run=_report)

    drills = commands.add_parser("drills", help="drill scenario files (WARROOM_DRILLS_DIR)")
    drill_commands = drills.add_subparsers(required=True, metavar="action")
    drill_commands.add_parser(
        "check", help="validate every drill scenario; exits non-zero naming each problem"
    ).set_defaults(run=_drills_check)
    glossary = commands.add_parser("glossary", help="the glossary (glossary.yaml and Slack)")
    glossary_commands = glossary.add_subparsers(required=True, metavar="action")
    glossary_commands.add_parser(
        "export", help="print the glossary as YAML, terms added in Slack marked"
    ).set_defaults(run=_glossary_export)
    postmortem = commands.add_parser("postmortem", help="print an incident's post-mortem")
    postmortem.add_argument("incident", help="the incident, e.g. INC-42")
    postmortem.add_argument("--format", choices=["md", "json"], default="md", dest="fmt")
    postmortem.set_defaults(run=_postmortem)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from app.serve import serve

    settings = Settings()
    _require(settings, http=args.http)
    if args.http and args.web_port is not None:
        raise ConfigError(
            "--web-port is for Socket Mode; with --http the alert webhooks and /healthz are "
            "served on --port"
        )
    return serve(settings, http=args.http, host=args.host, port=args.port, web_port=args.web_port)


def _require(settings: Settings, *, http: bool) -> None:
    missing = []
    if not settings.slack_bot_token:
        missing.append("SLACK_BOT_TOKEN (the bot token, xoxb-…)")
    if http and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET (Basic Information → App Credentials)")
    if not http and not settings.slack_app_token:
        missing.append(
            "SLACK_APP_TOKEN (an app-level xapp-… token with connections:write) for Socket "
            "Mode, or run `warroom serve --http`"
        )
    if missing:
        raise ConfigError("missing environment variables: " + "; ".join(missing))
    _require_token_kinds(settings, http=http)


def _require_token_kinds(settings: Settings, *, http: bool) -> None:
    """The two tokens are easy to swap; say which is which before asking Slack."""
    if settings.slack_bot_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN holds an app-level token (xapp-…); it takes the Bot User OAuth "
            "Token (xoxb-…) from OAuth & Permissions"
        )
    if not http and not settings.slack_app_token.startswith("xapp-"):
        raise ConfigError(
            f"SLACK_APP_TOKEN holds {_kind(settings.slack_app_token)}; it takes an app-level "
            "token (xapp-…) with connections:write from Basic Information → App-Level Tokens"
        )


def _kind(token: str) -> str:
    """What a token looks like, never the token itself."""
    prefix = token[:5]
    if prefix.startswith("xox") and prefix.endswith("-"):
        return f"a {prefix}… token"
    return "something that is not a Slack token"


def _db_upgrade(args: argparse.Namespace) -> int:
    from app.persistence.engine import make_engine
    from app.persistence.migrate import upgrade

    settings = Settings()
    engine = make_engine(settings.warroom_database_url)
    upgrade(engine)
    engine.dispose()
    print(f"database is up to date ({engine.url.render_as_string(hide_password=True)})")
    return 0


def _templates_check(args: argparse.Namespace) -> int:
    from app.rendering.approvals import ApprovalBook, approval_problems, required_approvals
    from app.rendering.samples import check_templates
    from app.rendering.templates import TemplateRenderer

    settings = Settings()
    config = load_config(settings.config_path())
    templates = TemplateRenderer(settings.templates_dir)
    audiences = config.audience_list()
    problems = check_templates(templates, config.severity_scale(), config.role_catalog(), audiences)
    required = required_approvals(audiences, templates.exists)
    problems += approval_problems(ApprovalBook(templates.folder), required)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not problems:
        print(f"all templates in {templates.folder} render, and every approval holds")
    return 1 if problems else 0


def _templates_approve(args: argparse.Namespace) -> int:
    from app.rendering.approvals import ApprovalBook

    book = ApprovalBook(Settings().templates_dir)
    try:
        approval = book.approve(args.name, args.by, args.on or date.today())
    except (FileNotFoundError, ValueError) as exc:
        raise ConfigError(str(exc)) from None
    print(f"{args.name}: {approval.label} (sha256 {approval.sha256[:12]}…) in {book.lock_path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


def _catalog_check(args: argparse.Namespace) -> int:
    from app.catalog_config import check_catalog
    from app.config import read_raw_config
    from app.domain.roles import BUILTIN_ROLES

    raw, source = read_raw_config(Settings().config_path())
    roles = {r.key for r in BUILTIN_ROLES} | set(raw.get("roles") or {})
    problems = check_catalog(raw, roles)
    for problem in problems:
        print(f"FAIL {source}: {problem}", file=sys.stderr)
    if problems:
        return 1
    config = load_config(Settings().config_path())  # the rest of the file must hold too
    systems, functions = len(config.catalog), len(config.business_functions)
    print(f"catalog OK: {systems} systems, {functions} business functions ({source})")
    return 0


def _catalog_import(args: argparse.Namespace) -> int:
    import yaml

    from app.bootstrap import model_registry
    from app.catalog_config import check_catalog
    from app.catalog_import import import_models
    from app.config import read_raw_config
    from app.domain.roles import BUILTIN_ROLES
    from app.integrations.registry import RegistryError

    settings = Settings()
    registry = model_registry(settings)
    if registry is None:
        raise ConfigError("set WARROOM_MLFLOW_URI to the MLflow tracking server to import from")
    config, _ = read_raw_config(settings.config_path())
    base = config
    if args.out is not None and args.out.exists():
        base = yaml.safe_load(args.out.read_text(encoding="utf-8")) or {}
    try:
        result = import_models(registry, base)
    except RegistryError as exc:
        raise ConfigError(f"the model registry: {exc}") from None
    text = yaml.safe_dump(result, sort_keys=False, allow_unicode=True)
    if args.out is None:
        print(text, end="")
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"{len(result['catalog'])} systems written to {args.out}", file=sys.stderr)
    roles = {r.key for r in BUILTIN_ROLES} | set(config.get("roles") or {})
    problems = check_catalog(result, roles)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


def _playbooks_check(args: argparse.Namespace) -> int:
    """Every playbook file and the glossary beside them, and the `playbook:` names of the
    catalog and the alert rules (they may only name playbooks that exist, and only this
    command sees both)."""
    from app.glossary_file import glossary_problems
    from app.playbook_files import catalog_playbook_problems, read_folder

    settings = Settings()
    config = load_config(settings.config_path())
    folder = settings.playbooks_dir
    playbooks, problems = read_folder(folder, config.role_catalog().keys)
    if folder.is_dir():
        problems += glossary_problems(folder)
        problems += catalog_playbook_problems(config.catalog_model(), _names_in(folder))
        problems += config.alerts.playbook_problems(_names_in(folder))
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not problems:
        print(f"{len(playbooks)} playbooks in {folder} are valid")
    return 1 if problems else 0


def _playbooks_list(args: argparse.Namespace) -> int:
    from app.playbook_files import read_folder

    settings = Settings()
    config = load_config(settings.config_path())
    playbooks, problems = read_folder(settings.playbooks_dir, config.role_catalog().keys)
    width = max((len(name) for name in playbooks), default=0)
    for name, playbook in sorted(playbooks.items()):
        print(f"{name:<{width}}  {playbook.title}")
    if problems:
        print(f"{len(problems)} problems; `warroom playbooks check` names them", file=sys.stderr)
    return 1 if problems else 0


def _drills_check(args: argparse.Namespace) -> int:
    """Every scenario file, against the configured severities, the playbooks (by file, valid
    or not: a broken playbook is reported by `playbooks check`) and the catalog."""
    from app.drill_files import Known, read_folder, unknown_systems

    settings = Settings()
    config = load_config(settings.config_path())
    severities = [s.key for s in config.severity_scale()]
    playbooks = _names_in(settings.playbooks_dir) if settings.playbooks_dir.is_dir() else []
    systems = list(config.catalog_model().systems)
    folder = settings.drills_dir
    drills, problems = read_folder(folder, Known(severities, playbooks, systems))
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    for name, scenario in sorted(drills.items()):
        ignored = unknown_systems(scenario, systems) if systems else []
        if ignored:
            print(f"note {name}: affects {', '.join(ignored)}: not in the catalog, left out")
    if not problems:
        print(f"{len(drills)} drill scenarios in {folder} are valid")
    return 1 if problems else 0


def _names_in(folder: Path) -> list[str]:
    """Playbook names by file, valid or not: a catalog naming a broken playbook is told
    about the playbook, not told that it does not exist."""
    from app.playbook_files import GLOSSARY_FILE, SUFFIX

    return [p.stem for p in folder.glob(f"*{SUFFIX}") if p.name != GLOSSARY_FILE]


def _glossary_export(args: argparse.Namespace) -> int:
    """Shipped terms and those added in Slack (from the database), as a glossary.yaml."""
    from sqlalchemy import inspect

    from app.glossary_file import export_yaml, load_glossary
    from app.persistence.engine import Database, make_engine
    from app.services.glossary import current

    settings = Settings()
    glossary = load_glossary(settings.playbooks_dir)
    engine = make_engine(settings.warroom_database_url)
    try:
        if inspect(engine).has_table("glossary_terms"):
            with Database(engine).read() as session:
                glossary = current(session, glossary)
        else:
            print("no terms added in Slack yet (the database is not migrated)", file=sys.stderr)
    finally:
        engine.dispose()
    print(export_yaml(list(glossary)), end="")
    return 0


def _postmortem(args: argparse.Namespace) -> int:
    """The same document Warroom uploads on resolve, from the database, to stdout."""
    from sqlalchemy import inspect

    from app.clock import SystemClock
    from app.domain.errors import NotFound
    from app.persistence.engine import Database, make_engine
    from app.services.context import ServiceContext
    from app.services.postmortem import document

    settings = Settings()
    config = load_config(settings.config_path())
    engine = make_engine(settings.warroom_database_url)
    try:
        if not inspect(engine).has_table("incidents"):
            print("warroom: no incidents yet (the database is not migrated)", file=sys.stderr)
            return 1
        ctx = ServiceContext(Database(engine), config, SystemClock())
        print(document(ctx, args.incident, args.fmt), end="")
    except NotFound as exc:
        print(f"warroom: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


NOT_CURRENT = "warroom: the database is behind this version of Warroom: run `warroom db upgrade`"


def _report(args: argparse.Namespace) -> int:
    """The numbers of every incident declared in the period (drills apart)."""
    from datetime import timedelta

    from sqlalchemy.exc import DBAPIError

    from app.clock import SystemClock
    from app.domain.durations import parse_duration
    from app.persistence.engine import Database, make_engine
    from app.report_output import FORMATS
    from app.services.context import ServiceContext
    from app.services.report import period_report

    try:
        period = parse_duration(args.since, longest=timedelta(days=3660))
    except ValueError as exc:
        print(f"--since: {exc}", file=sys.stderr)
        return 2
    settings = Settings()
    config = load_config(settings.config_path())
    engine = make_engine(settings.warroom_database_url)
    try:
        ctx = ServiceContext(Database(engine), config, SystemClock(), settings.templates_dir)
        try:
            written = FORMATS[args.format](period_report(ctx, period))
        except DBAPIError:
            from app.persistence.migrate import is_current  # Alembic: loaded only when needed

            if is_current(engine):
                raise
            print(NOT_CURRENT, file=sys.stderr)
            return 1
    finally:
        engine.dispose()
    if args.out:
        args.out.write_text(written, encoding="utf-8")
        print(f"report written to {args.out}")
    else:
        sys.stdout.write(written)
    return 0
