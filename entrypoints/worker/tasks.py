"""The worker's tasks: shims around use-cases, taking primitives; delivery is at least once."""

import logging
import os
import uuid
from datetime import date

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from adapters.queue.taskiq_queue import JOBS_CHANGED, RUN_SHARD, START_RUN, USER_CHANGED
from application.use_cases.recompute_user_matches import RecomputeUserMatches, UserChangedCommand
from application.use_cases.rescore_changed_jobs import JobsChangedCommand, RescoreChangedJobs
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

    @broker.task(task_name=JOBS_CHANGED)
    @inject(patch_module=True)
    async def jobs_changed(job_ids: list[str], event_id: str, use_case: FromDishka[RescoreChangedJobs]) -> None:
        done = await use_case(JobsChangedCommand([uuid.UUID(j) for j in job_ids], event_id))
        mails = done.mails
        logger.info(
            "%d changed jobs (%d open; %d stored scores of the others dropped): they fit %d users, %d alerted; "
            "instant-alert mails: %d new, %d sent, %d failed, skipped %s%s", len(job_ids), done.open_jobs,
            done.scores_dropped, done.eligible_users, len(done.alerted),
            len(mails.planned), mails.send.sent, mails.send.failed, mails.plan.skipped or "none",
            f"; {mails.relay_down}" if mails.relay_down else "",
        )  # fmt: skip

    @broker.task(task_name=USER_CHANGED)
    @inject(patch_module=True)
    async def user_changed(user_id: str, event_id: str, use_case: FromDishka[RecomputeUserMatches]) -> None:
        matches = await use_case(UserChangedCommand(uuid.UUID(user_id), event_id))
        logger.info("user %s: %d matches recomputed", user_id, matches)
