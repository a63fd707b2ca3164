"""Planning a run: decide, for each user of the audience, the jobs of their mail or why they get none.

A plan is written a chunk at a time, each chunk in one transaction with its deliveries, their matches and
the users' scores, so a crash loses at most the chunk in flight and a restart plans only who is left.
"""

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol

from application.matching import MatchingState
from application.ports import ScoreRecord, UnitOfWork
from domain.campaign import Campaign, CampaignRun, VariantSplit
from domain.delivery import DeliveryStatus, PlannedDelivery, PlannedMatch, SkipReason
from domain.frequency import FrequencyCap
from domain.jst import at_jst
from domain.scoring.batch import BatchScorer, RankRequest
from domain.scoring.model import ScoreBreakdown
from domain.scoring.reasons import explain
from domain.suppression import normalize_address
from domain.user import MailFrequency, User

PLAN_CHUNK_USERS = 1024


@dataclass
class PlanStats:
    users_planned: int = 0
    pairs_total: int = 0
    pairs_scored: int = 0
    scoring_seconds: float = 0.0
    writing_seconds: float = 0.0
    skipped: dict[str, int] = field(default_factory=dict)


def plan_delivery(
    run: CampaignRun, user: User, ranked: Sequence[ScoreBreakdown], state: MatchingState,
    namer: Callable[[str], str | None], variant_id: uuid.UUID | None = None,
) -> PlannedDelivery:  # fmt: skip
    if user.home_point is None:
        return PlannedDelivery(run.id, run.campaign_id, user.id, user.email, DeliveryStatus.SKIPPED,
                               SkipReason.NO_HOME_LOCATION.value, (), variant_id=variant_id)  # fmt: skip
    if not ranked:
        return PlannedDelivery(run.id, run.campaign_id, user.id, user.email, DeliveryStatus.SKIPPED,
                               SkipReason.NO_NEW_MATCHES.value, (), variant_id=variant_id)  # fmt: skip
    matches = []
    for rank, score in enumerate(ranked, start=1):
        job = state.jobs[score.job_id]
        matches.append(
            PlannedMatch(
                job_id=job.id, match_rank=rank, total_score=score.total, basic_score=score.basic,
                seo_score=score.seo, personalized_score=score.personalized,
                reasons=explain(score, job, user.wishes, namer), distance_km=score.distance_km,
                commute_minutes=None if score.commute_minutes is None else round(score.commute_minutes),
            )
        )  # fmt: skip
    return PlannedDelivery(run.id, run.campaign_id, user.id, user.email, DeliveryStatus.PENDING, None,
                           tuple(matches), variant_id=variant_id)  # fmt: skip


FactorEncoder = Callable[[ScoreBreakdown], str]  # a score's factors as JSON text


class PlanningSlices(Protocol):
    """A running planner: slices of the users it was started with are submitted and come back as plans."""

    in_flight: int  # slices to keep submitted ahead of the writer

    def submit(self, start: int, stop: int) -> "asyncio.Future[list[ChunkPlan]]": ...

    def __enter__(self) -> "PlanningSlices": ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


PlanningExecutor = Callable[["ChunkPlanner", Sequence[User]], PlanningSlices]


class ThreadPlanning:
    """Plans in a worker thread of this process: the next slice is scored while this one is written,
    taking turns with the writer on the GIL."""

    in_flight = 1

    def __init__(self, planner: "ChunkPlanner", users: Sequence[User]) -> None:
        self._planner, self._users = planner, users

    def submit(self, start: int, stop: int) -> "asyncio.Future[list[ChunkPlan]]":
        return asyncio.ensure_future(asyncio.to_thread(self._planner, self._users[start:stop]))

    def __enter__(self) -> "ThreadPlanning":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        pass


@dataclass(frozen=True)
class PlanOptions:
    """How planning computes; the defaults plan in a thread and leave factors as dicts."""

    executor: PlanningExecutor = ThreadPlanning
    encode_factors: FactorEncoder | None = None  # JSON text of a score's factors, made where it is computed


IN_THREAD = PlanOptions()


@dataclass(frozen=True)
class VariantPlan:
    """A run's A/B split: each user's variant and each variant's scorer (same tables, its own weights).
    Empty when the campaign has no variants: every user is scored with the campaign's weights."""

    of_user: Mapping[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    scorers: Mapping[uuid.UUID, BatchScorer] = field(default_factory=dict)
    order: tuple[uuid.UUID, ...] = ()  # the variants, in the campaign's order


NO_VARIANTS = VariantPlan()


def split_by_variant(campaign: Campaign, state: MatchingState, users: Sequence[User]) -> VariantPlan:
    """Assign each user to the campaign's live variant for them (a stable hash of campaign and user)."""
    variants = campaign.live_variants
    if not variants:
        return NO_VARIANTS
    split = VariantSplit(variants)
    of_user = {}
    for u in users:
        variant = split.assign(campaign.id, u.id)
        if variant is not None:
            of_user[u.id] = variant.id
    scorers = {v.id: state.scorer.with_weights(campaign.weights_of(v.id)) for v in variants}
    return VariantPlan(of_user, scorers, tuple(v.id for v in variants))


def group_by_variant(users: Sequence[User], variants: VariantPlan) -> list[User]:
    """The users, one variant after the other (each group in the given order), so most planning slices
    hold one variant's users and are scored as whole chunks."""
    if not variants.order:
        return list(users)
    rank = {variant_id: i for i, variant_id in enumerate(variants.order)}
    return sorted(users, key=lambda u: rank[variants.of_user[u.id]])  # stable: keeps the given order


class ChunkPlanner:
    """Scores and plans a list of users: pure computation, safe to run in a worker thread or process.
    Plain data (the state, the variants and their scorers), so a forked planning process uses it as is.

    `encode_factors` turns each score's factors into JSON text where they are computed, so a plan made in
    another process travels back as one string per score rather than as nested dicts."""

    def __init__(
        self, state: MatchingState, run: CampaignRun, request: RankRequest,
        mailed: Mapping[uuid.UUID, set[uuid.UUID]], namer: Callable[[str], str | None], at: datetime,
        encode_factors: FactorEncoder | None = None, variants: VariantPlan = NO_VARIANTS,
    ) -> None:  # fmt: skip
        self._state, self._run, self._request, self._mailed, self._namer = state, run, request, mailed, namer
        self._at, self._encode, self._variants = at, encode_factors, variants

    def _groups(self, users: Sequence[User]) -> list[tuple[uuid.UUID | None, BatchScorer, list[User]]]:
        if not self._variants.order:
            return [(None, self._state.scorer, list(users))]
        members: dict[uuid.UUID, list[User]] = {}
        for u in users:
            members.setdefault(self._variants.of_user[u.id], []).append(u)
        return [(v, self._variants.scorers[v], members[v]) for v in self._variants.order if v in members]

    def __call__(self, users: Sequence[User]) -> list["ChunkPlan"]:
        plans = []
        for variant_id, scorer, group in self._groups(users):
            plans.extend(self._plan(variant_id, scorer, group))
        return plans

    def _plan(self, variant_id: uuid.UUID | None, scorer: BatchScorer, users: list[User]) -> list["ChunkPlan"]:
        plans = []
        started = time.thread_time()
        for result in scorer.rank(users, self._request, self._mailed):
            pairs = list(zip(result.users, result.ranked, strict=True))
            deliveries = [
                plan_delivery(self._run, u, ranked, self._state, self._namer, variant_id) for u, ranked in pairs
            ]
            records = [r for u, ranked in pairs for r in score_records(u, ranked, self._at, self._encode)]
            spent, started = time.thread_time() - started, time.thread_time()
            plans.append(
                ChunkPlan([u.id for u in result.users], deliveries, records, result.pairs_total, result.pairs_scored,
                          spent)
            )  # fmt: skip
        return plans


def score_records(
    user: User, ranked: Sequence[ScoreBreakdown], at: datetime, encode: FactorEncoder | None = None
) -> list[ScoreRecord]:
    factors = encode or ScoreBreakdown.as_json_dict
    return [
        ScoreRecord(user.id, s.job_id, s.basic, s.seo, s.personalized, s.total, factors(s), at) for s in ranked
    ]


async def mailed_recently(
    uow: UnitOfWork, users: Sequence[User], campaign: Campaign, run: CampaignRun, now: datetime
) -> dict[uuid.UUID, set[uuid.UUID]]:
    since = now - timedelta(days=campaign.resend_window_days)
    return await uow.deliveries.mailed_job_ids([u.id for u in users], since, run.id)


@dataclass
class ChunkPlan:
    """One scored chunk, ready to write: its deliveries and the users' score rows. Plain data, so a plan
    made in a planning process can be sent back to the one that writes it."""

    user_ids: list[uuid.UUID]
    deliveries: list[PlannedDelivery]
    records: list[ScoreRecord]
    pairs_total: int
    pairs_scored: int
    cpu_seconds: float  # spent scoring and planning this chunk


async def write_plan(uow: UnitOfWork, plan: ChunkPlan) -> None:
    async with uow:
        await uow.deliveries.add_planned(plan.deliveries)
        await uow.scores.replace_for_users(plan.user_ids, plan.records)
        await uow.commit()


def rank_request(campaign: Campaign) -> RankRequest:
    return RankRequest(campaign.jobs_per_mail, campaign.per_company_cap, campaign.min_total_score)


def count_skips(stats: PlanStats, deliveries: Sequence[PlannedDelivery]) -> None:
    for d in deliveries:
        if d.status is DeliveryStatus.SKIPPED and d.reason:
            stats.skipped[d.reason] = stats.skipped.get(d.reason, 0) + 1


async def skip_excluded(
    uow: UnitOfWork, run: CampaignRun, users: Sequence[User], stats: PlanStats, cap: FrequencyCap,
    variants: VariantPlan = NO_VARIANTS,
) -> list[User]:
    """Users who must get no mail this run get a skipped delivery at once (in the caller's transaction,
    which must commit) and are not scored: a suppressed address (`suppressed`); a user already mailed
    `cap.mails` times by any campaign in the `cap.days` JST days ending with the run's date
    (`frequency_cap`); a user who chose a weekly mail and had one in the seven JST days ending with the
    run's date (`weekly`). The others are returned, in order. Users sharing one address are each decided
    alone. A skipped delivery records the user's A/B variant."""
    suppressed = await uow.suppressions.suppressed_among({u.email for u in users})
    ids = [u.id for u in users]
    counts: dict[uuid.UUID, int] = {}
    if cap.mails is not None:  # the period is the cap's days in JST ending with the run's own date
        counts = await uow.deliveries.mailed_counts(ids, at_jst(run.run_date - timedelta(days=cap.days - 1), 0),
                                                    run.id)  # fmt: skip
    weekly_ids = [u.id for u in users if u.mail_frequency == MailFrequency.WEEKLY]
    weekly = await uow.deliveries.mailed_counts(weekly_ids, at_jst(run.run_date - timedelta(days=6), 0), run.id)
    reasons: dict[uuid.UUID, str] = {}
    for u in users:
        if normalize_address(u.email) in suppressed:
            reasons[u.id] = SkipReason.SUPPRESSED.value
        elif cap.mails is not None and counts.get(u.id, 0) >= cap.mails:
            reasons[u.id] = SkipReason.FREQUENCY_CAP.value
        elif weekly.get(u.id, 0) > 0:
            reasons[u.id] = SkipReason.WEEKLY.value
    if not reasons:
        return list(users)
    skipped = [PlannedDelivery(run.id, run.campaign_id, u.id, u.email, DeliveryStatus.SKIPPED, reasons[u.id], (),
                               variant_id=variants.of_user.get(u.id))
               for u in users if u.id in reasons]  # fmt: skip
    await uow.deliveries.add_planned(skipped)
    count_skips(stats, skipped)
    return [u for u in users if u.id not in reasons]
