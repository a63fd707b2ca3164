"""The TaskQueue port on a taskiq broker: tasks are kicked by name, so a process that only enqueues (the
API, the scheduler, the CLI) needs no task functions of its own."""

import uuid
from datetime import date

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

START_RUN = "mail.start_run"
RUN_SHARD = "mail.run_shard"


class TaskiqTaskQueue:
    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    async def _kick(self, task_name: str, *args: object) -> None:
        await AsyncKicker(task_name=task_name, broker=self._broker, labels={}).kiq(*args)

    async def start_run(self, campaign_name: str, run_date: date) -> None:
        await self._kick(START_RUN, campaign_name, run_date.isoformat())

    async def run_shard(self, run_id: uuid.UUID, shard_no: int) -> None:
        await self._kick(RUN_SHARD, str(run_id), shard_no)
