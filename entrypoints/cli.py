"""The `mailscore` command. Bad input ends in one clear line and exit status 2, never a traceback."""

import argparse
import asyncio
import os
import sys
import traceback
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.text import Text

from adapters.sqlalchemy.errors import StorageError
from domain.errors import DomainError
from entrypoints.config import ConfigError, Settings, load_settings

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a user id (UUID): {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port (1-65535): {text!r}")
    return value


def _weights(text: str) -> tuple[float, float, float]:
    parts = text.split(",")
    try:
        basic, seo, personalized = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"three numbers basic,seo,personalized expected: {text!r}") from None
    return basic, seo, personalized


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailscore", description="Job matching and the daily recommendation mail.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build a demo database from real reference data and run the daily mail")
    demo.add_argument("--users", type=_positive, default=2000)
    demo.add_argument("--jobs", type=_positive, default=5000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--database", help="database URL (default: a fresh var/demo.sqlite3)")
    demo.add_argument("--outbox", type=Path, help="outbox folder (default: var/outbox)")
    imp = sub.add_parser("import", help="import jobs or users from CSV or JSON Lines")
    imp.add_argument("kind", choices=["jobs", "users"])
    imp.add_argument("file", type=Path)
    rec = sub.add_parser("recommend", help="show the best jobs for a user, with reasons")
    rec.add_argument("user_id", type=_uuid)
    rec.add_argument("--limit", type=_positive, default=10)
    mail = sub.add_parser("mail", help="the daily mail")
    mail_sub = mail.add_subparsers(dest="mail_command", required=True)
    run = mail_sub.add_parser("run", help="run (or resume) a campaign's mail for a JST date")
    run.add_argument("campaign")
    run.add_argument("--date", type=_date, help="JST date, default today")
    run.add_argument(
        "--via-workers",
        action="store_true",
        help="split into shards done by `mailscore worker` processes (in this process without Redis)",
    )
    bounces = mail_sub.add_parser("bounces", help="read bounces and complaints from a Maildir or a folder of .eml")
    bounces.add_argument("directory", type=Path)
    retry = mail_sub.add_parser("retry-failed", help="send a run's retryable failures again")
    retry.add_argument("campaign")
    retry.add_argument("--date", type=_date, required=True, help="the run's JST date")
    worker = sub.add_parser("worker", help="run taskiq worker processes (needs MAILSCORE_REDIS_URL)")
    worker.add_argument("--workers", type=_positive, default=1, help="worker processes on this machine")
    scheduler = sub.add_parser("scheduler", help="fire the campaigns' runs at their time in JST (one acts at a time)")
    scheduler.add_argument("--tick", type=float, default=5.0, help="seconds between checks")
    serve = sub.add_parser("serve", help="run the HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=_positive, default=1)
    campaign = sub.add_parser("campaign", help="campaigns")
    campaign_sub = campaign.add_subparsers(dest="campaign_command", required=True)
    create = campaign_sub.add_parser("create", help="create a campaign (e.g. `daily`) with its settings")
    create.add_argument("name")
    create.add_argument("--jobs-per-mail", type=_positive, default=10)
    create.add_argument("--per-company-cap", type=_positive, default=2)
    create.add_argument("--resend-window-days", type=int, default=14)
    create.add_argument("--send-hour", type=int, default=8, help="hour of the day in JST (0-23)")
    create.add_argument("--weights", type=_weights, default=(0.5, 0.2, 0.3), help="basic,seo,personalized")
    users = sub.add_parser("users", help="accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    grant = users_sub.add_parser("grant", help="give an account a role (user, employer, admin, super_admin)")
    grant.add_argument("email")
    grant.add_argument("role")
    grant.add_argument("--company", help="attach the account to this company (created if new): an employer "
                       "posts and edits that company's jobs")  # fmt: skip
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every migration")
    return parser


async def dispatch(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from entrypoints import commands

    if args.command == "demo":
        return await commands.demo(args, settings, console)
    if args.command == "import":
        return await commands.import_file(args.kind, args.file, settings, console)
    if args.command == "recommend":
        return await commands.recommend(args.user_id, args.limit, settings, console)
    if args.command == "mail" and args.mail_command == "bounces":
        return await commands.mail_bounces(args.directory, settings, console)
    if args.command == "mail" and args.mail_command == "retry-failed":
        return await commands.mail_retry_failed(args.campaign, args.date, settings, console)
    if args.command == "mail" and getattr(args, "via_workers", False):
        from entrypoints.worker.follow import run_via_workers

        progress = await run_via_workers(args.campaign, args.date, settings, console)
        return 0 if progress.finished else 1
    if args.command == "mail":
        return await commands.mail_run(args.campaign, args.date, settings, console)
    if args.command == "scheduler":
        from entrypoints.worker.scheduler import run_scheduler

        console.print(f"scheduler: checking every {args.tick:g} s; schedules are cron in JST")
        await run_scheduler(settings, tick_seconds=args.tick)
        return 0
    if args.command == "db":
        return await commands.db_upgrade(settings, console)
    if args.command == "campaign":
        return await commands.create_campaign(args, settings, console)
    if args.command == "users":
        return await commands.grant_role(args.email, args.role, args.company, settings, console)
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    err = Console(stderr=True, soft_wrap=True)
    try:
        settings = load_settings()
        if args.command == "serve":  # uvicorn runs its own event loop(s)
            from entrypoints import commands

            return commands.serve(args.host, args.port, args.workers, settings, console)
        if args.command == "worker":  # taskiq runs its own processes
            from entrypoints import commands

            return commands.worker(args.workers, settings, console)
        return asyncio.run(dispatch(args, settings, console))
    except (ConfigError, DomainError) as exc:
        _error(err, str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        err.print("interrupted; run the same command again to resume")
        return 130
    except StorageError as exc:
        _error(err, f"database: {storage_problem(exc)}")
        return EXIT_FAILURE
    except Exception as exc:  # a last line of defence: one line, not a traceback, unless asked for
        if os.environ.get("MAILSCORE_DEBUG"):
            traceback.print_exc()
        _error(err, f"{type(exc).__name__}: {exc}")
        return EXIT_FAILURE


def _error(err: Console, message: str) -> None:
    """One line on stderr. The message is data (a file name, a job title, a server's reply): never markup."""
    first_line = message.strip().splitlines()[0] if message.strip() else message
    err.print(Text("error: ", style="red") + Text(first_line), highlight=False)


def storage_problem(exc: StorageError) -> str:
    """The database's complaint in one line, with a hint when the schema is missing."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.split("[SQL:")[0].strip()
    if "no such table" in text or "does not exist" in text:
        return f"{text} (is the schema there? run `mailscore db upgrade`, or point MAILSCORE_DATABASE_URL at it)"
    return text


if __name__ == "__main__":
    sys.exit(main())
