"""Run the daily recommendation mail of a campaign for a JST date.

Rules:
- A run is (campaign, JST date). Running it again resumes it; two processes at once share it. Each user of
  the audience (active, opted in) ends with exactly one delivery for the run. A mail is sent once; only a
  crash between the relay's acceptance and its record can send it again, with the same Message-ID.
- Scoring happens at the campaign's hour on the run's date (or at the run's first start, if later), so every
  process plans from the same moment and a run prepared ahead sees that day's jobs and minimum wages.
- Opt-outs, deactivations and closed jobs are checked again when sending.
- Never sent: jobs closed or expired, below the legal minimum wage in force, below the user's wish, out of
  reach, applied to or dismissed, or mailed to this user within the campaign's resend window.
- A user with nothing new gets no mail: the delivery is skipped with the reason.
- A suppressed address (hard bounce, complaint, too many soft bounces) is never mailed: skipped with the
  reason `suppressed` at planning, and checked again when sending.
- A user mailed `frequency.mails` times (any campaign) in the `frequency.days` JST days ending with the
  run's date is skipped with the reason `frequency_cap`. Users sharing an address are each planned alone.
"""

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime

from application.heap import collector_paused, settled_heap
from application.mail_planning import (
    IN_THREAD,
    PLAN_CHUNK_USERS,
    ChunkPlan,
    ChunkPlanner,
    PlanOptions,
    PlanStats,
    count_skips,
    group_by_variant,
    mailed_recently,
    rank_request,
    skip_excluded,
    split_by_variant,
    write_plan,
)
from application.mail_sending import RunSender, SendOptions, SendStats
from application.matching import IndustryNamer, load_matching_state
from application.ports import (
    Clock,
    MailComposer,
    Mailer,
    ProgressReporter,
    ReferenceData,
    UnitOfWork,
)  # fmt: skip
from domain.campaign import Campaign, CampaignRun, RunStatus
from domain.errors import NotFound
from domain.frequency import FrequencyCap
from domain.jst import as_utc, at_jst, jst_date
from domain.scoring.batch import spatial_order


@dataclass(frozen=True)
class RunDailyMailCommand:
    campaign_name: str
    run_date: date | None = None  # JST; today when None


@dataclass
class RunSummary:
    campaign: str
    run_date: date
    users: int = 0
    jobs: int = 0
    plan: PlanStats = field(default_factory=PlanStats)
    send: SendStats = field(default_factory=SendStats)
    loading_seconds: float = 0.0
    status_counts: dict[str, int] = field(default_factory=dict)
    reason_counts: dict[str, int] = field(default_factory=dict)
    planned_now: bool = False  # False: a resumed run whose planning an earlier start had finished
    retried: int | None = None  # `mail retry-failed`: failed deliveries put back to be sent again

    @property
    def pairs_per_second(self) -> float:
        return self.plan.pairs_total / self.plan.scoring_seconds if self.plan.scoring_seconds else 0.0


def scoring_moment_for(campaign: Campaign, run: CampaignRun, now: datetime) -> datetime:
    """The moment a run scores at: the campaign's hour on the run's JST date, or the run's first start if
    later. Every process computes the same moment, and a run prepared ahead for date D sees D's jobs and
    D's legal minimum wages, not today's."""
    started = as_utc(run.started_at or now)
    return max(started, at_jst(run.run_date, campaign.send_hour_jst))


NO_CAP = FrequencyCap()


class RunDailyMail:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, composer: MailComposer, mailer: Mailer,
        clock: Clock, options: SendOptions, progress: ProgressReporter, planning: PlanOptions = IN_THREAD,
        frequency: FrequencyCap = NO_CAP,
    ) -> None:  # fmt: skip
        self._frequency = frequency
        self._uow, self._reference, self._clock = uow, reference, clock
        self._planning = planning
        self._sender = RunSender(uow, composer, mailer, clock, options)
        self._progress = progress

    async def __call__(self, command: RunDailyMailCommand) -> RunSummary:
        now = self._clock.now()
        run_date = command.run_date or jst_date(now)
        async with self._uow as uow:
            campaign = await uow.campaigns.by_name(command.campaign_name)
            if campaign is None:
                raise NotFound("campaign", command.campaign_name)
            campaign.check_can_run()
            run = await uow.deliveries.get_or_create_run(campaign.id, run_date, now)
            await uow.commit()
        summary = RunSummary(campaign.name, run_date)
        if run.status is RunStatus.PLANNING:
            await self._plan(campaign, run, summary)
            summary.planned_now = True
        await send_and_settle(self._uow, self._sender, self._clock, self._progress, campaign, run, summary)
        return summary

    async def _plan(self, campaign: Campaign, run: CampaignRun, summary: RunSummary) -> None:
        """Score the next chunks (in a planning process, or a thread) while this one is written: the
        database works on its own core meanwhile. Only one database operation is ever in flight on the
        unit of work."""
        started = time.perf_counter()
        scoring_moment = scoring_moment_for(campaign, run, self._clock.now())
        async with self._uow as uow:
            with collector_paused():  # all of it lives as long as the run: nothing to collect (heap.py)
                state = await load_matching_state(uow, self._reference, scoring_moment, campaign.weights)
            planned = await uow.deliveries.planned_user_ids(run.id)
            todo = [state.audience[i] for i in spatial_order(state.audience) if state.audience[i].id not in planned]
            variants = split_by_variant(campaign, state, todo)
            kept = await skip_excluded(uow, run, todo, summary.plan, self._frequency, variants)
            todo = group_by_variant(kept, variants)
            mailed = await mailed_recently(uow, todo, campaign, run, scoring_moment)
            await uow.commit()  # the excluded users' skipped deliveries
        summary.users, summary.jobs = len(state.audience), len(state.jobs)
        summary.loading_seconds = time.perf_counter() - started
        namer = IndustryNamer(self._reference)
        planner = ChunkPlanner(
            state,
            run,
            rank_request(campaign),
            mailed,
            namer,
            scoring_moment,
            self._planning.encode_factors,
            variants,
        )
        stats = summary.plan
        self._progress.start("scoring", len(todo))
        slices = iter(range(0, len(todo), PLAN_CHUNK_USERS))
        in_flight: deque[asyncio.Future[list[ChunkPlan]]] = deque()
        with settled_heap(), self._planning.executor(planner, todo) as workers:

            def submit_next() -> None:
                start = next(slices, None)
                if start is not None:
                    in_flight.append(workers.submit(start, start + PLAN_CHUNK_USERS))

            for _ in range(workers.in_flight):
                submit_next()
            try:
                while in_flight:
                    plans = await in_flight.popleft()
                    submit_next()  # the next slice computes while this one is written
                    for plan in plans:
                        stats.scoring_seconds += plan.cpu_seconds
                        stats.pairs_total += plan.pairs_total
                        stats.pairs_scored += plan.pairs_scored
                        stats.users_planned += len(plan.user_ids)
                        count_skips(stats, plan.deliveries)
                    stats.writing_seconds += await self._write(plans)
            finally:
                for future in in_flight:
                    future.cancel()
        self._progress.finish("scoring")
        async with self._uow as uow:
            run.status = RunStatus.SENDING
            await uow.deliveries.save_run(run)
            await uow.commit()

    async def _write(self, plans: list[ChunkPlan]) -> float:
        started = time.perf_counter()
        for plan in plans:
            await write_plan(self._uow, plan)
            self._progress.advance("scoring", len(plan.user_ids))
        return time.perf_counter() - started


async def send_and_settle(
    uow: UnitOfWork, sender: RunSender, clock: Clock, progress: ProgressReporter, campaign: Campaign,
    run: CampaignRun, summary: RunSummary,
) -> None:  # fmt: skip
    """Send what is pending; the run is finished only when no delivery is left pending."""
    started = time.perf_counter()
    async with uow:
        pending = (await uow.deliveries.status_counts(run.id)).get("pending", 0)
    progress.start("sending", pending)

    def waiting(held: int) -> None:
        seconds = sender.claim_timeout.total_seconds()
        lease = f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:g} min"
        progress.note("sending", f"waiting: {held:,} deliveries are held by another sender or wait for a retry; "
                      f"those of a sender that died are taken again once its claim runs out (at most {lease} "
                      "after it stopped; MAILSCORE_CLAIM_TIMEOUT_SECONDS)")  # fmt: skip

    await sender.send_all(campaign, run, summary.send, lambda n: progress.advance("sending", n), on_wait=waiting)
    progress.finish("sending")
    summary.send.seconds = time.perf_counter() - started
    async with uow:
        summary.status_counts = await uow.deliveries.status_counts(run.id)
        summary.reason_counts = await uow.deliveries.reason_counts(run.id)
        if run.status is not RunStatus.FINISHED and not summary.status_counts.get("pending"):
            run.status, run.finished_at = RunStatus.FINISHED, clock.now()
            await uow.deliveries.save_run(run)
        await uow.commit()
