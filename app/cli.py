"""`warroom serve | db upgrade | templates check` (also `python -m app`)."""

from __future__ import annotations

import argparse
import logging
import sys

from app.config import ConfigError, Settings, load_config

log = logging.getLogger("warroom")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(f"warroom: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warroom", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    serve = commands.add_parser("serve", help="run the bot (Socket Mode, or HTTP with --http)")
    serve.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="action")
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    templates = commands.add_parser("templates", help="message templates")
    template_commands = templates.add_subparsers(required=True, metavar="action")
    template_commands.add_parser(
        "check", help="render every template with sample data"
    ).set_defaults(run=_templates_check)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from app.serve import serve

    settings = Settings()
    _require(settings, http=args.http)
    return serve(settings, http=args.http, host=args.host, port=args.port)


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
    from app.rendering.samples import check_templates
    from app.rendering.templates import TemplateRenderer

    settings = Settings()
    config = load_config(settings.config_path())
    templates = TemplateRenderer(settings.templates_dir)
    problems = check_templates(
        templates, config.severity_scale(), config.role_catalog(), config.audience_list()
    )
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not problems:
        print(f"all templates in {templates.folder} render")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
