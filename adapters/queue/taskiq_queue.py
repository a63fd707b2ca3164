"""The TaskQueue port on a taskiq broker: tasks are kicked by name, so a process that only enqueues (the
API, the scheduler, the CLI) needs no task functions of its own."""

import uuid
from collections.abc import Collection
from datetime import date

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

START_RUN = "mail.start_run"
RUN_SHARD = "mail.run_shard"
JOBS_CHANGED = "events.jobs_changed"
USER_CHANGED = "events.user_changed"


class TaskiqTaskQueue:
    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    async def _kick(self, task_name: str, *args: object) -> None:
        await AsyncKicker(task_name=task_name, broker=self._broker, labels={}).kiq(*args)

    async def start_run(self, campaign_name: str, run_date: date) -> None:
        await self._kick(START_RUN, campaign_name, run_date.isoformat())

    async def run_shard(self, run_id: uuid.UUID, shard_no: int) -> None:
        await self._kick(RUN_SHARD, str(run_id), shard_no)

    # The event id is made here and travels in the message: a redelivered event keeps it.
    async def jobs_changed(self, job_ids: Collection[uuid.UUID]) -> None:
        if job_ids:
            await self._kick(JOBS_CHANGED, [str(j) for j in job_ids], uuid.uuid4().hex)

    async def user_changed(self, user_id: uuid.UUID) -> None:
        await self._kick(USER_CHANGED, str(user_id), uuid.uuid4().hex)
