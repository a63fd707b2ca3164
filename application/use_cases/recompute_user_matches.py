"""Recompute one user's matches after their address or wishes changed.

Rules: the user's stored matches (user_job_scores) are replaced by a fresh ranking of the open jobs, with
the same rules as the daily mail; their cached matches are invalidated; the user is told (real time) that
their matches changed, with the best few. Running it twice gives the same rows.
"""

import uuid
from dataclasses import dataclass

from application.mail_planning import score_records
from application.matching import load_matching_state
from application.ports import Clock, MatchInvalidation, Notifier, ReferenceData, UnitOfWork
from application.use_cases.rescore_changed_jobs import AlertOptions
from domain.campaign import ScoreWeights
from domain.errors import NotFound
from domain.scoring.batch import RankRequest


@dataclass(frozen=True)
class UserChangedCommand:
    user_id: uuid.UUID
    event_id: str


class RecomputeUserMatches:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation,
        notifier: Notifier, options: AlertOptions,
    ) -> None:  # fmt: skip
        self._uow, self._reference, self._clock, self._matches = uow, reference, clock, matches
        self._notifier, self._options = notifier, options

    async def __call__(self, command: UserChangedCommand) -> int:
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.get(command.user_id)
            if user is None:
                raise NotFound("user", command.user_id)
            state = await load_matching_state(uow, self._reference, now, ScoreWeights())
        result = state.scorer.rank_chunk([user], RankRequest(self._options.matches_kept, 2), {})
        ranked = result.ranked[0]
        async with self._uow as uow:
            await uow.scores.replace_for_users([user.id], score_records(user, ranked, now))
            await uow.commit()
        await self._matches.user_changed(user.id)  # a listing made before the new rows is stale
        await self._notifier.notify(user.id, {
            "type": "matches_updated", "id": command.event_id, "count": len(ranked),
            "top": [{"jobId": str(s.job_id), "title": state.jobs[s.job_id].title, "total": round(s.total, 1)}
                    for s in ranked[:3]],
        })  # fmt: skip
        return len(ranked)
