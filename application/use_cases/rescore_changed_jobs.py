"""Rescore jobs just created or changed against the users who can reach them, and alert the users they fit.

Rules:
- A changed job no longer open (closed, or expired: the scheduler's expiry sweep queues those) alerts
  nobody, and its stored scores (user_job_scores, every user's) are dropped in the event's first
  transaction; once that commits, the match cache is told (the global generation), so no stored or cached
  match keeps a dead job.
- Only open jobs are scored; the users considered are the daily
  mail's audience with a home location, and the batch scorer's geographic pre-filter skips every group of
  users too far from the changed jobs: an event scores the users near the jobs, not all users.
- The same rules as the daily mail apply (reach, wage wishes, legal minimum wage, applied or dismissed).
- A user is alerted of the changed jobs whose total is at least their own alert threshold (the site's,
  `AlertOptions.threshold`, when they set none), best first, at most `alerts_per_event` of them. The batch
  ranks everyone at the lowest threshold among them and each user keeps what reaches theirs, which is what
  ranking them alone at it would give (domain.alerts.at_or_above). (Cached matches were invalidated by the
  change itself, when it was made.)
- A user who asked for instant alerts is also mailed those jobs at once (application.instant_alerts: at
  most one such mail a day, never a job twice, within every mail cap and rule).
- Delivery is at least once: running the same event twice alerts the same users again with the same
  event id, so a client shows each alert once, and mails nothing twice.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from application.instant_alerts import AlertCandidate, AlertMails, InstantAlertMail
from application.matching import IndustryNamer, load_matching_state
from application.ports import Clock, MatchInvalidation, Notifier, ReferenceData, UnitOfWork
from domain.alerts import alert_threshold, at_or_above
from domain.campaign import ScoreWeights
from domain.job import Job
from domain.scoring.batch import BatchScorer, RankRequest
from domain.scoring.model import ScoreBreakdown
from domain.scoring.reasons import explain
from domain.scoring.tables import build_job_table
from domain.user import User


@dataclass(frozen=True)
class AlertOptions:
    threshold: float = 80.0  # total score, 0-100: the site's, for users who set none
    alerts_per_event: int = 3
    matches_kept: int = 50  # a user's stored matches (user_job_scores)


@dataclass(frozen=True)
class JobsChangedCommand:
    job_ids: Sequence[uuid.UUID]
    event_id: str  # the queue message's id: the same on a redelivery


@dataclass(frozen=True)
class JobsRescored:
    open_jobs: int
    eligible_users: int  # users a changed job fits (every rule passed, at or above their threshold)
    alerted: dict[uuid.UUID, list[uuid.UUID]]  # user -> jobs
    mails: AlertMails = field(default_factory=AlertMails)  # the instant-alert mails
    scores_dropped: int = 0  # stored scores of the changed jobs no longer open


class RescoreChangedJobs:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, notifier: Notifier, options: AlertOptions,
        mail: InstantAlertMail, matches: MatchInvalidation,
    ) -> None:  # fmt: skip
        self._uow, self._reference, self._clock = uow, reference, clock
        self._notifier, self._options, self._mail, self._matches = notifier, options, mail, matches

    async def _drop_dead(self, uow: UnitOfWork, jobs: Sequence[Job], now: datetime) -> int:
        """Drops the stored scores of the jobs no longer open; commits when there are any."""
        dead = [j.id for j in jobs if not j.is_open_at(now)]
        if not dead:
            return 0
        dropped = await uow.scores.remove_jobs(dead)
        await uow.commit()
        return dropped

    async def __call__(self, command: JobsChangedCommand) -> JobsRescored:
        now = self._clock.now()
        async with self._uow as uow:
            found = list((await uow.jobs.get_many(set(command.job_ids))).values())
            dropped = await self._drop_dead(uow, found, now)
            jobs = [j for j in found if j.is_open_at(now)]
            state = await load_matching_state(uow, self._reference, now, ScoreWeights()) if jobs else None
        if len(jobs) < len(found):  # a dead job may sit in anyone's cached matches (a rerun tells it again)
            await self._matches.jobs_changed()
        if state is None:
            return JobsRescored(0, 0, {}, scores_dropped=dropped)
        # The context (local markets, legal minimum wages) is the whole market's; only the table is small.
        scorer = BatchScorer(build_job_table(jobs, state.context), state.signals, state.context)
        located = [u for u in state.audience if u.home_point is not None]  # no home: no reach to judge
        thresholds = {u.id: alert_threshold(u, self._options.threshold) for u in located}
        per_event = self._options.alerts_per_event
        request = RankRequest(per_event, per_event, min(thresholds.values(), default=self._options.threshold))
        namer = IndustryNamer(self._reference)
        by_id = {j.id: j for j in jobs}
        alerted: dict[uuid.UUID, list[uuid.UUID]] = {}
        candidates: list[AlertCandidate] = []
        for result in scorer.rank(located, request):
            for user, ranked in zip(result.users, result.ranked, strict=True):
                fits = at_or_above(ranked, thresholds[user.id])
                if not fits:
                    continue
                alerted[user.id] = [s.job_id for s in fits]
                await self._notifier.notify(user.id, _alert_event(command.event_id, user, fits, by_id, namer))
                if user.wishes.instant_alerts:
                    candidates.append(AlertCandidate(user, fits))
        mails = await self._mail(candidates, command.event_id, state, namer)
        return JobsRescored(len(jobs), len(alerted), alerted, mails, dropped)


def _alert_event(
    event_id: str, user: User, fits: Sequence[ScoreBreakdown], jobs: dict[uuid.UUID, Job], namer: IndustryNamer
) -> dict[str, object]:
    return {
        "type": "job_alert", "id": f"{event_id}:{user.id}",
        "jobs": [
            {"jobId": str(s.job_id), "title": jobs[s.job_id].title, "companyName": jobs[s.job_id].company_name,
             "hourlyWage": jobs[s.job_id].hourly_wage, "total": round(s.total, 1),
             "reasons": explain(s, jobs[s.job_id], user.wishes, namer)}
            for s in fits
        ],
    }  # fmt: skip
