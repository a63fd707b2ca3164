"""Campaign runs started from the HTTP API, worked on by asyncio tasks of the serving process.

Each task opens its own dishka request scope (its own unit of work) and runs the daily-mail use-case, which
is exactly-once per (run, user) by its claims: a second process, or the command line, working on the same
run at the same time shares the work and never sends twice. Tasks are cancelled when the app stops; the run
is left resumable (its claims go stale and are taken again by the next start).
"""

import asyncio
import logging
import uuid
from datetime import date

from dishka import AsyncContainer

from application.heap import settle_again
from application.ports import LaunchState
from application.use_cases.run_daily_mail import RunDailyMail, RunDailyMailCommand

log = logging.getLogger("mailscore.runs")


class BackgroundRunLauncher:
    """RunLauncher on asyncio tasks; what it knows of a run is per process."""

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._errors: dict[uuid.UUID, str] = {}

    def launch(self, campaign_name: str, run_date: date, run_id: uuid.UUID) -> bool:
        task = self._tasks.get(run_id)
        if task is not None and not task.done():
            return False
        self._errors.pop(run_id, None)
        self._tasks[run_id] = asyncio.get_running_loop().create_task(
            self._work(campaign_name, run_date, run_id), name=f"campaign-run-{run_id}"
        )
        return True

    def state(self, run_id: uuid.UUID) -> LaunchState | None:
        task = self._tasks.get(run_id)
        if task is None:
            return None
        return LaunchState(running=not task.done(), error=self._errors.get(run_id))

    async def _work(self, campaign_name: str, run_date: date, run_id: uuid.UUID) -> None:
        try:
            async with self._container() as request:
                use_case = await request.get(RunDailyMail)
                summary = await use_case(RunDailyMailCommand(campaign_name, run_date))
            log.info("run %s of %s on %s: %s", run_id, campaign_name, run_date, summary.status_counts)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # kept for the run's status route; the run stays resumable
            log.exception("run %s of %s on %s stopped", run_id, campaign_name, run_date)
            self._errors[run_id] = str(exc) or type(exc).__name__
        finally:
            settle_again()  # the run's end unfroze the server's start-up heap (application/heap.py)

    async def close(self) -> None:
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
