"""Start (or resume) a campaign's daily run spread over worker processes.

Rules:
- The run is the same (campaign, JST date) run as `mail run`; either way of running it may resume the other.
- The audience is split once, in geographic order (a shard's users reach the same jobs), into shards of
  `shard_size` users; starting again reuses the shards and queues again only those not done.
- A run with nobody to mail is finished at once. A finished run queues nothing.
- Queued shard tasks may be delivered more than once; running a shard twice sends no mail twice.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from application.ports import Clock, TaskQueue, UnitOfWork
from domain.campaign import RunStatus
from domain.errors import NotFound
from domain.jst import jst_date
from domain.scoring.batch import spatial_order
from domain.shard import ShardStatus, split_into_shards


@dataclass(frozen=True)
class ShardOptions:
    shard_size: int = 500


@dataclass(frozen=True)
class StartShardedRunCommand:
    campaign_name: str
    run_date: date | None = None  # JST; today when None


@dataclass(frozen=True)
class StartedRun:
    run_id: uuid.UUID
    campaign: str
    run_date: date
    shards: int
    queued: int


class StartShardedRun:
    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock, options: ShardOptions) -> None:
        self._uow, self._queue, self._clock, self._options = uow, queue, clock, options

    async def __call__(self, command: StartShardedRunCommand) -> StartedRun:
        now = self._clock.now()
        run_date = command.run_date or jst_date(now)
        async with self._uow as uow:
            campaign = await uow.campaigns.by_name(command.campaign_name)
            if campaign is None:
                raise NotFound("campaign", command.campaign_name)
            campaign.check_can_run()
            run = await uow.deliveries.get_or_create_run(campaign.id, run_date, now)
            await uow.commit()
        async with self._uow as uow:
            await uow.shards.lock_run(run.id)  # two starters at once split the audience once
            shards = await uow.shards.for_run(run.id)
            if not shards and run.status is not RunStatus.FINISHED:
                audience = await uow.users.list_audience()
                ordered = [audience[i].id for i in spatial_order(audience)]
                shards = split_into_shards(run.id, ordered, self._options.shard_size)
                await uow.shards.add_many(shards)
                if not shards:
                    run.status, run.finished_at = RunStatus.FINISHED, now
                    await uow.deliveries.save_run(run)
            await uow.commit()
        todo = [] if run.status is RunStatus.FINISHED else [s for s in shards if s.status is ShardStatus.QUEUED]
        for shard in todo:
            await self._queue.run_shard(run.id, shard.shard_no)
        return StartedRun(run.id, campaign.name, run_date, len(shards), len(todo))
