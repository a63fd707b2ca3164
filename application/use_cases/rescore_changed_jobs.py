"""Rescore jobs just created or changed against the users who can reach them, and alert the users they fit.

Rules:
- Only open jobs are scored (a closed or expired job alerts nobody); the users considered are the daily
  mail's audience with a home location, and the batch scorer's geographic pre-filter skips every group of
  users too far from the changed jobs: an event scores the users near the jobs, not all users.
- The same rules as the daily mail apply (reach, wage wishes, legal minimum wage, applied or dismissed).
- A user is alerted of the changed jobs whose total is at least the alert threshold, best first, at most
  `alerts_per_event` of them. (Cached matches were invalidated by the change itself, when it was made.)
- Delivery is at least once: running the same event twice alerts the same users again with the same
  event id, so a client shows each alert once.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from application.matching import IndustryNamer, load_matching_state
from application.ports import Clock, Notifier, ReferenceData, UnitOfWork
from domain.campaign import ScoreWeights
from domain.scoring.batch import BatchScorer, RankRequest
from domain.scoring.reasons import explain
from domain.scoring.tables import build_job_table


@dataclass(frozen=True)
class AlertOptions:
    threshold: float = 80.0  # total score, 0-100
    alerts_per_event: int = 3
    matches_kept: int = 50  # a user's stored matches (user_job_scores)


@dataclass(frozen=True)
class JobsChangedCommand:
    job_ids: Sequence[uuid.UUID]
    event_id: str  # the queue message's id: the same on a redelivery


@dataclass(frozen=True)
class JobsRescored:
    open_jobs: int
    eligible_users: int  # users a changed job fits (every rule passed, at or above the threshold)
    alerted: dict[uuid.UUID, list[uuid.UUID]]  # user -> jobs


class RescoreChangedJobs:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, notifier: Notifier, options: AlertOptions
    ) -> None:
        self._uow, self._reference, self._clock = uow, reference, clock
        self._notifier, self._options = notifier, options

    async def __call__(self, command: JobsChangedCommand) -> JobsRescored:
        now = self._clock.now()
        async with self._uow as uow:
            jobs = [j for j in (await uow.jobs.get_many(set(command.job_ids))).values() if j.is_open_at(now)]
            if not jobs:
                return JobsRescored(0, 0, {})
            state = await load_matching_state(uow, self._reference, now, ScoreWeights())
        # The context (local markets, legal minimum wages) is the whole market's; only the table is small.
        scorer = BatchScorer(build_job_table(jobs, state.context), state.signals, state.context)
        request = RankRequest(self._options.alerts_per_event, self._options.alerts_per_event, self._options.threshold)
        namer = IndustryNamer(self._reference)
        by_id = {j.id: j for j in jobs}
        eligible, alerted = 0, {}
        located = [u for u in state.audience if u.home_point is not None]  # no home: no reach to judge
        for result in scorer.rank(located, request):
            eligible += sum(1 for count in result.eligible if count)
            for user, ranked in zip(result.users, result.ranked, strict=True):
                if not ranked:
                    continue
                alerted[user.id] = [s.job_id for s in ranked]
                await self._notifier.notify(user.id, {
                    "type": "job_alert", "id": f"{command.event_id}:{user.id}",
                    "jobs": [
                        {"jobId": str(s.job_id), "title": by_id[s.job_id].title,
                         "companyName": by_id[s.job_id].company_name, "hourlyWage": by_id[s.job_id].hourly_wage,
                         "total": round(s.total, 1), "reasons": explain(s, by_id[s.job_id], user.wishes, namer)}
                        for s in ranked
                    ],
                })  # fmt: skip
        return JobsRescored(len(jobs), eligible, alerted)
