"""What each `mailscore` command does, on a container built once for the command."""

import time
import uuid
from argparse import Namespace
from datetime import date
from pathlib import Path

from dishka import AsyncContainer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.demo_data import build_demo_data, store_demo_data
from application.ports import Clock, ReferenceData, UnitOfWork
from application.use_cases.import_jobs import ImportJobs
from application.use_cases.import_users import ImportUsers
from application.use_cases.recommend_jobs import RecommendJobs, RecommendQuery
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand, RunSummary
from entrypoints.config import DEFAULT_HOME, ConfigError, Settings
from entrypoints.console import RichProgress, print_summary
from entrypoints.ioc import make_container

DEMO_DATABASE = DEFAULT_HOME / "demo.sqlite3"
DEMO_NOTICE = (
    "Demo data: users at real postal codes, jobs at real stations for real organisations, real industry codes "
    "and legal minimum wages; names, titles, shifts, walking minutes and histories are generated."
)


async def db_upgrade(settings: Settings, console: Console) -> int:
    from adapters.sqlalchemy.migrate import upgrade

    await upgrade(settings.database_url)
    console.print(f"database schema is up to date ({_safe_url(settings.database_url)})")
    return 0


def _safe_url(url: str) -> str:
    """The URL without its password, for output."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _fresh_demo_paths(args: Namespace, settings: Settings) -> Settings:
    database = args.database
    if database is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
        database = f"sqlite+aiosqlite:///{DEMO_DATABASE}"
    return settings.with_overrides(database_url=database, outbox_dir=args.outbox or settings.outbox_dir)


def _clear_old_mails(outbox: Path) -> None:
    # Only the mails a previous demo left: never the folder, which may be someone's real outbox.
    outbox.mkdir(parents=True, exist_ok=True)
    for old_mail in outbox.glob("*.eml"):
        old_mail.unlink()


async def demo(args: Namespace, settings: Settings, console: Console) -> int:
    from adapters.sqlalchemy.migrate import holds_users, upgrade

    settings = _fresh_demo_paths(args, settings)
    console.print(f"[bold]Mail Score demo[/bold]: {args.users:,} users x {args.jobs:,} jobs, seed {args.seed}")
    console.print(DEMO_NOTICE, style="dim")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    await upgrade(settings.database_url)
    timings["database schema"] = time.perf_counter() - started
    if args.database is not None and await holds_users(args.database):  # before any old mail is removed
        raise ConfigError(f"--database {_safe_url(args.database)}: it holds users already; the demo builds a "
                          "fresh database: give an empty one, or leave --database out for var/demo.sqlite3")
    _clear_old_mails(settings.outbox_dir)
    container = make_container(settings, progress=RichProgress(console))
    try:
        reference = await container.get(ReferenceData)
        clock = await container.get(Clock)
        started = time.perf_counter()
        data = build_demo_data(reference, args.users, args.jobs, args.seed, clock.now())
        timings["demo data built"] = time.perf_counter() - started
        started = time.perf_counter()
        async with container() as request:
            await store_demo_data(await request.get(UnitOfWork), data)
        timings["demo data stored"] = time.perf_counter() - started
        async with container() as request:
            run = await request.get(RunDailyMail)
            summary = await run(RunDailyMailCommand("daily"))
        print_summary(console, summary)
        for stage, seconds in timings.items():
            console.print(f"time: {stage}: {seconds:.2f} s")
        files = len(list(settings.outbox_dir.glob("*.eml")))
        console.print(Text(f"outbox: {files:,} mails in {settings.outbox_dir}"))
        hint = f"to use other commands on this database: export MAILSCORE_DATABASE_URL={settings.database_url}"
        console.print(Text(hint), style="dim", soft_wrap=True)  # one line, to copy as it is
        await _show_sample(container, summary, console)
    finally:
        await container.close()
    return 0


async def _show_sample(container: AsyncContainer, summary: RunSummary, console: Console) -> None:
    async with container() as request:
        uow = await request.get(UnitOfWork)
        async with uow:
            users = await uow.users.list_audience()
        for user in users:
            if user.home_point is None:
                continue
            result = await (await request.get(RecommendJobs))(RecommendQuery(user.id, limit=5))
            if result.jobs:
                _print_recommendation(console, user.full_name or user.email, user.id, result.jobs)
                return


def _print_recommendation(console: Console, who: str | None, user_id: uuid.UUID, jobs: list) -> None:  # type: ignore[type-arg]
    table = Table(title=Text(f"Top matches for {who} ({user_id})" if who else f"Top matches for user {user_id}"))
    for column in ("#", "total", "basic", "seo", "pers.", "job", "reasons"):
        table.add_column(column)
    for rank, item in enumerate(jobs, start=1):
        s = item.score
        table.add_row(
            str(rank), f"{s.total:.1f}", f"{s.basic:.1f}", f"{s.seo:.1f}", f"{s.personalized:.1f}",
            Text(f"{item.job.title}\n{item.job.company_name}"), Text("\n".join(item.reasons)),
        )  # fmt: skip
    console.print(table)
    console.print("通勤時間は郵便番号の代表点と駅からの推定です (commute minutes are estimates).", style="dim")


async def recommend(user_id: uuid.UUID, limit: int, settings: Settings, console: Console) -> int:
    container = make_container(settings)
    try:
        async with container() as request:
            result = await (await request.get(RecommendJobs))(RecommendQuery(user_id, limit=limit))
    finally:
        await container.close()
    if not result.jobs:
        console.print("no job fits this user right now")
        return 0
    _print_recommendation(console, None, user_id, result.jobs)
    return 0


async def mail_run(campaign: str, run_date: date | None, settings: Settings, console: Console) -> int:
    container = make_container(settings, progress=RichProgress(console))
    try:
        async with container() as request:
            summary = await (await request.get(RunDailyMail))(RunDailyMailCommand(campaign, run_date))
    finally:
        await container.close()
    print_summary(console, summary)
    return 0


async def mail_bounces(directory: Path, settings: Settings, console: Console) -> int:
    from adapters.mail.bounce_mailbox import read_mailbox
    from application.use_cases.record_bounces import RecordBounces

    reading = read_mailbox(directory)
    err = Console(stderr=True, soft_wrap=True)
    for path, problem in reading.problems:
        err.print(Text(f"{path}: skipped: {problem}"), highlight=False)
    container = make_container(settings)
    try:
        async with container() as request:
            summary = await (await request.get(RecordBounces))(reading.reports)
    finally:
        await container.close()
    outcomes = ", ".join(f"{count} {outcome}" for outcome, count in sorted(summary.outcomes.items())) or "none"
    console.print(Text(f"{directory}: {reading.files} files, {len(reading.problems)} skipped, "
                       f"{len(reading.reports)} reports: {outcomes}"), highlight=False)  # fmt: skip
    return 2 if reading.problems else 0
async def mail_retry_failed(campaign: str, run_date: date, settings: Settings, console: Console) -> int:
    from application.use_cases.retry_failed_mail import RetryFailedMail, RetryFailedMailCommand

    container = make_container(settings, progress=RichProgress(console))
    try:
        async with container() as request:
            summary = await (await request.get(RetryFailedMail))(RetryFailedMailCommand(campaign, run_date))
    finally:
        await container.close()
    print_summary(console, summary)
    return 0


async def import_file(kind: str, path: Path, settings: Settings, console: Console) -> int:
    from application.parsing import ImportFile

    container = make_container(settings)
    try:
        async with container() as request:
            use_case: ImportJobs | ImportUsers = await request.get(ImportJobs if kind == "jobs" else ImportUsers)
            report = await use_case(ImportFile(path=path))
    finally:
        await container.close()
    err = Console(stderr=True, soft_wrap=True)
    for line in report.describe():
        err.print(line, highlight=False, markup=False)
    console.print(
        f"{report.file}: {report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.skipped} skipped",
        highlight=False,
    )
    return 2 if report.errors else 0


def serve(host: str, port: int, workers: int, settings: Settings, console: Console) -> int:
    """Run the HTTP API. Each uvicorn worker builds its own app (and container) from the environment."""
    import asyncio

    import uvicorn

    if settings.database_url.startswith("sqlite"):  # embedded mode: make sure the schema is there
        from adapters.sqlalchemy.migrate import upgrade

        asyncio.run(upgrade(settings.database_url))
    console.print(f"serving the HTTP API on http://{host}:{port} ({_safe_url(settings.database_url)})")
    uvicorn.run(
        "entrypoints.http.app:create_app_from_environment", factory=True, host=host, port=port, workers=workers,
        log_level="info", proxy_headers=False,
    )  # fmt: skip
    return 0


def worker(processes: int, settings: Settings, console: Console) -> int:
    """taskiq worker processes taking shards from the Redis stream, one shard at a time each."""
    from taskiq.cli.worker.args import WorkerArgs
    from taskiq.cli.worker.run import run_worker

    from entrypoints.config import ConfigError

    if not settings.redis_url:
        raise ConfigError(
            "MAILSCORE_REDIS_URL is not set: workers take their tasks from Redis "
            "(without it, `mailscore mail run CAMPAIGN --via-workers` runs them in its own process)"
        )
    console.print(
        f"{processes} worker process(es) on queue {settings.queue_name!r} ({_safe_url(settings.database_url)})"
    )
    args = WorkerArgs.from_cli([
        "entrypoints.worker.main:create_worker_broker", "--workers", str(processes),
        "--max-async-tasks", "1", "--max-prefetch", "0", "--shutdown-timeout", "30",
    ])  # fmt: skip
    return run_worker(args) or 0


async def grant_role(email: str, role: str, company: str | None, settings: Settings, console: Console) -> int:
    from application.use_cases.grant_role import GrantRole, GrantRoleCommand

    container = make_container(settings)
    try:
        async with container() as request:
            user = (await (await request.get(GrantRole))(GrantRoleCommand(email, role, company=company))).user
    finally:
        await container.close()
    where = f", company {company}" if company else ""
    console.print(f"{user.email} ({user.id}) now has the role {user.role}{where}", highlight=False)
    return 0


async def create_campaign(args: Namespace, settings: Settings, console: Console) -> int:
    from application.use_cases.create_campaign import CreateCampaign, CreateCampaignCommand

    command = CreateCampaignCommand(
        args.name, args.jobs_per_mail, args.per_company_cap, args.resend_window_days, args.send_hour, args.weights
    )
    container = make_container(settings)
    try:
        async with container() as request:
            campaign = await (await request.get(CreateCampaign))(command)
    finally:
        await container.close()
    console.print(Text(f"campaign {campaign.name} created ({campaign.id}): {campaign.jobs_per_mail} jobs a mail, "
                       f"at {campaign.send_hour_jst}:00 JST"))  # fmt: skip
    return 0
