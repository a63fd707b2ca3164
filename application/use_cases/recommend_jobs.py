"""Recommend jobs for one user.

Rules: the same scorer, exclusions, total order and per-company cap as the daily mail; jobs already
applied to or dismissed never appear; each job comes with its scores, factors, Japanese reasons, distance
and estimated commute minutes.
"""

import uuid
from dataclasses import dataclass, field

from application.matching import IndustryNamer, load_matching_state
from application.ports import Clock, ReferenceData, UnitOfWork
from domain.campaign import ScoreWeights
from domain.errors import InvalidInput, NotFound
from domain.job import Job
from domain.scoring.batch import RankRequest
from domain.scoring.model import ScoreBreakdown
from domain.scoring.reasons import explain

MAX_LIMIT = 100


@dataclass(frozen=True)
class RecommendQuery:
    user_id: uuid.UUID
    limit: int = 10
    per_company_cap: int = 2
    weights: ScoreWeights = field(default_factory=ScoreWeights)


@dataclass(frozen=True)
class RecommendedJob:
    job: Job
    score: ScoreBreakdown
    reasons: list[str]


@dataclass(frozen=True)
class Recommendation:
    user_id: uuid.UUID
    jobs: list[RecommendedJob]
    eligible: int  # jobs that passed every rule


class RecommendJobs:
    def __init__(self, uow: UnitOfWork, reference: ReferenceData, clock: Clock) -> None:
        self._uow = uow
        self._reference = reference
        self._clock = clock

    async def __call__(self, query: RecommendQuery) -> Recommendation:
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
        async with self._uow as uow:
            user = await uow.users.get(query.user_id)
            if user is None:
                raise NotFound("user", query.user_id)
            state = await load_matching_state(uow, self._reference, self._clock.now(), query.weights)
        request = RankRequest(limit=query.limit, per_company_cap=query.per_company_cap)
        result = state.scorer.rank_chunk([user], request, {})
        namer = IndustryNamer(self._reference)
        jobs = [
            RecommendedJob(state.jobs[b.job_id], b, explain(b, state.jobs[b.job_id], user.wishes, namer))
            for b in result.ranked[0]
        ]
        return Recommendation(user.id, jobs, result.eligible[0])
