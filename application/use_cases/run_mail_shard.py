"""Plan and send one shard of a sharded daily run (a worker's task).

Rules:
- Idempotent: a shard already done does nothing; one delivered again (its worker was killed, or it is
  still running elsewhere) plans only its users not yet planned and sends only deliveries still pending,
  through the same claims as `mail run`, so no user gets a second mail and none is left out.
- The shard scores at the run's scoring moment (the campaign's hour on the run's date, or the run's first
  start if later): every shard of the run, on any machine, sees the same jobs.
- A user who left the audience since the split (opted out, deactivated) is not planned; a suppressed
  address gets a skipped delivery, as in `mail run`.
- The shard that finishes last finishes the run, once no delivery of the run is pending.
"""

import asyncio
import uuid
from dataclasses import dataclass

from application.heap import collector_paused
from application.mail_planning import (
    PLAN_CHUNK_USERS,
    ChunkPlanner,
    PlanStats,
    mailed_recently,
    rank_request,
    skip_excluded,
    write_plan,
)
from application.mail_sending import RunSender, SendOptions, SendStats
from application.matching import IndustryNamer, MatchingState, load_matching_state
from application.matching_states import MatchingStates
from application.ports import Clock, MailComposer, Mailer, ReferenceData, UnitOfWork
from application.use_cases.run_daily_mail import NO_CAP, scoring_moment_for
from domain.campaign import RunStatus
from domain.delivery import DeliveryStatus
from domain.errors import NotFound
from domain.frequency import FrequencyCap
from domain.shard import ShardStatus

MAILED = (DeliveryStatus.SENT, DeliveryStatus.OPENED, DeliveryStatus.CLICKED, DeliveryStatus.BOUNCED)


@dataclass(frozen=True)
class RunMailShardCommand:
    run_id: uuid.UUID
    shard_no: int


@dataclass(frozen=True)
class ShardOutcome:
    shard_no: int
    already_done: bool
    planned: int
    sent: int
    skipped: int
    failed: int
    run_finished: bool


class RunMailShard:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, composer: MailComposer, mailer: Mailer, clock: Clock,
        options: SendOptions, states: MatchingStates, frequency: FrequencyCap = NO_CAP,
    ) -> None:  # fmt: skip
        self._uow, self._reference, self._clock, self._states = uow, reference, clock, states
        self._frequency = frequency
        self._sender = RunSender(uow, composer, mailer, clock, options)

    async def __call__(self, command: RunMailShardCommand) -> ShardOutcome:
        async with self._uow as uow:
            run = await uow.shards.get_run(command.run_id)
            shard = await uow.shards.get(command.run_id, command.shard_no)
            campaign = None if run is None else await uow.campaigns.get(run.campaign_id)
        if run is None or shard is None or campaign is None:
            raise NotFound("run shard", f"{command.run_id}/{command.shard_no}")
        if shard.status is ShardStatus.DONE:
            return ShardOutcome(shard.shard_no, True, 0, shard.sent, shard.skipped, shard.failed,
                                run.status is RunStatus.FINISHED)  # fmt: skip
        moment = scoring_moment_for(campaign, run, self._clock.now())

        async def load() -> MatchingState:
            async with self._uow as uow:
                with collector_paused():  # kept for the run's shards in this process: nothing to collect
                    return await load_matching_state(uow, self._reference, moment, campaign.weights)

        state = await self._states.get(run.id, moment, load)
        wanted = set(shard.user_ids)
        async with self._uow as uow:
            planned = await uow.deliveries.planned_user_ids(run.id)
            todo = [u for u in state.audience if u.id in wanted and u.id not in planned]
            todo = await skip_excluded(uow, run, todo, PlanStats(), self._frequency)
            mailed = await mailed_recently(uow, todo, campaign, run, moment)
            await uow.commit()  # the excluded users' skipped deliveries
        planner = ChunkPlanner(state, run, rank_request(campaign), mailed, IndustryNamer(self._reference), moment)
        for start in range(0, len(todo), PLAN_CHUNK_USERS):
            for plan in await asyncio.to_thread(planner, todo[start : start + PLAN_CHUNK_USERS]):
                await write_plan(self._uow, plan)
        await self._sender.send_all(campaign, run, SendStats(), user_ids=shard.user_ids)
        return await self._finish(command, len(todo))

    async def _finish(self, command: RunMailShardCommand, planned: int) -> ShardOutcome:
        now = self._clock.now()
        async with self._uow as uow:
            shard = await uow.shards.get(command.run_id, command.shard_no)
            run = await uow.shards.get_run(command.run_id)
            assert shard is not None
            assert run is not None
            counts = await uow.deliveries.status_counts(run.id, shard.user_ids)
            sent = sum(counts.get(str(s), 0) for s in MAILED)
            shard.finish(now, sent, counts.get("skipped", 0), counts.get("failed", 0))
            await uow.shards.save(shard)
            # Our shard is marked before the run's row is locked: of two last shards finishing at once,
            # the second to get the lock sees the first one's commit and finishes the run.
            await uow.shards.lock_run(run.id)
            shards = await uow.shards.for_run(run.id)
            all_done = run.status is not RunStatus.FINISHED and all(s.status is ShardStatus.DONE for s in shards)
            if all_done and not (await uow.deliveries.status_counts(run.id)).get("pending"):
                run.status, run.finished_at = RunStatus.FINISHED, now
                await uow.deliveries.save_run(run)
            await uow.commit()
        return ShardOutcome(shard.shard_no, False, planned, shard.sent, shard.skipped, shard.failed,
                            run.status is RunStatus.FINISHED)  # fmt: skip
