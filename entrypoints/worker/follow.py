"""`mailscore mail run CAMPAIGN --via-workers`: split the run into shards, queue them, and follow the run
to its end with a progress bar (shards done; mails sent, skipped, failed)."""

import asyncio
from datetime import date

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from application.use_cases.show_run_progress import RunProgress, ShowRunProgress
from application.use_cases.start_sharded_run import StartShardedRun, StartShardedRunCommand
from entrypoints.config import Settings
from entrypoints.worker.main import worker_broker


def describe(progress: RunProgress) -> str:
    return (f"shards {progress.shards_done}/{progress.shards_total}: sent {progress.sent:,}, "
            f"skipped {progress.skipped:,}, failed {progress.failed:,}, pending {progress.pending:,}")  # fmt: skip


async def run_via_workers(
    campaign: str, run_date: date | None, settings: Settings, console: Console, poll_seconds: float = 0.5
) -> RunProgress:
    broker, container = worker_broker(settings)  # in-memory broker: the tasks run in this process
    await broker.startup()
    try:
        async with container() as request:
            started = await (await request.get(StartShardedRun))(StartShardedRunCommand(campaign, run_date))
        console.print(Text(f"run {started.run_id} ({started.campaign}, {started.run_date} JST): "
                           f"{started.shards} shards, {started.queued} queued"), soft_wrap=True)  # fmt: skip
        if settings.redis_url:
            console.print("the shards are done by `mailscore worker` processes on any machine", style="dim")
        bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, disable=not console.is_terminal,
        )  # fmt: skip
        with bar:
            task = bar.add_task("shards", total=started.shards)
            while True:
                async with container() as request:
                    progress = await (await request.get(ShowRunProgress))(started.run_id)
                bar.update(task, completed=progress.shards_done, description=describe(progress))
                if progress.finished:
                    break
                await asyncio.sleep(poll_seconds)
        console.print(Text(f"run finished: {describe(progress)}"), soft_wrap=True)
        return progress
    finally:
        await broker.shutdown()
        await container.close()
