"""The worker's tasks: shims around use-cases, taking primitives; delivery is at least once."""

import logging
import os
import uuid
from datetime import date

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from adapters.queue.taskiq_queue import RUN_SHARD, START_RUN
from application.use_cases.run_mail_shard import RunMailShard, RunMailShardCommand
from application.use_cases.start_sharded_run import StartShardedRun, StartShardedRunCommand

logger = logging.getLogger("mailscore.worker")


def register_tasks(broker: AsyncBroker) -> None:
    @broker.task(task_name=START_RUN)
    @inject(patch_module=True)
    async def start_run(campaign_name: str, run_date: str, use_case: FromDishka[StartShardedRun]) -> None:
        started = await use_case(StartShardedRunCommand(campaign_name, date.fromisoformat(run_date)))
        logger.info("run %s (%s, %s JST): %d shards, %d queued", started.run_id, campaign_name, run_date,
                    started.shards, started.queued)  # fmt: skip

    @broker.task(task_name=RUN_SHARD)
    @inject(patch_module=True)
    async def run_shard(run_id: str, shard_no: int, use_case: FromDishka[RunMailShard]) -> None:
        done = await use_case(RunMailShardCommand(uuid.UUID(run_id), shard_no))
        logger.info(
            "shard %d of run %s %s by worker pid %d: planned %d, sent %d, skipped %d, failed %d%s", shard_no, run_id,
            "was already done" if done.already_done else "done", os.getpid(), done.planned, done.sent,
            done.skipped, done.failed, "; the run is finished" if done.run_finished else "",
        )  # fmt: skip
