"""Loads what scoring needs from storage and reference data, once per run or request."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports import ReferenceData, UnitOfWork
from domain.campaign import ScoreWeights
from domain.job import Job
from domain.scoring.batch import BatchScorer
from domain.scoring.context import ScoringContext, build_context
from domain.scoring.model import HISTORY_DAYS
from domain.scoring.signals import Signals, build_signals
from domain.scoring.tables import build_job_table
from domain.user import User


@dataclass
class MatchingState:
    context: ScoringContext
    jobs: dict[uuid.UUID, Job]
    signals: Signals
    scorer: BatchScorer
    audience: list[User]


def major_of_middle(reference: ReferenceData) -> dict[str, str]:
    return {i.code: i.major_code for i in reference.industries() if len(i.code) == 2 and i.code.isdigit()}


class IndustryNamer:
    def __init__(self, reference: ReferenceData) -> None:
        self._reference = reference

    def __call__(self, code: str) -> str | None:
        industry = self._reference.industry(code) or self._reference.industry(code[:2])
        return industry.name if industry else None


async def load_matching_state(
    uow: UnitOfWork, reference: ReferenceData, now: datetime, weights: ScoreWeights
) -> MatchingState:
    """Open jobs, the audience and the last HISTORY_DAYS of actions (their jobs included, even closed).
    A run loads it with the collector paused (`application.heap.collector_paused`)."""
    jobs = await uow.jobs.list_open(now)
    audience = await uow.users.list_audience()
    actions = await uow.actions.events_since(now - timedelta(days=HISTORY_DAYS))
    by_id = {j.id: j for j in jobs}
    acted = {a.job_id for a in actions} - by_id.keys()
    acted_jobs = {**by_id, **(await uow.jobs.get_many(acted) if acted else {})}
    context = build_context(jobs, now, reference.minimum_wages(), weights, major_of_middle(reference))
    signals = build_signals(audience, actions, acted_jobs, now)
    table = build_job_table(jobs, context)
    return MatchingState(context, by_id, signals, BatchScorer(table, signals, context), audience)
