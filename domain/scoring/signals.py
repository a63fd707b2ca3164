"""What behaviour says: per-user affinities and what similar users did, from recent actions.

Recent actions count more (exponential decay). A user's cohort, the people taken to be similar, is
everyone with the same home prefecture and the same first wished job type.
"""

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain.action import ACTION_WEIGHTS, Action, ActionEvent, ActionKind
from domain.job import Job
from domain.jst import as_utc
from domain.scoring.model import DECAY_DAYS
from domain.text import normalize
from domain.user import User


@dataclass
class UserProfile:
    type_affinity: dict[str, float] = field(default_factory=dict)  # normalised job type -> weight
    industry_affinity: dict[str, float] = field(default_factory=dict)  # JSIC middle code -> weight
    job_interest: dict[uuid.UUID, float] = field(default_factory=dict)
    excluded: set[uuid.UUID] = field(default_factory=set)  # applied or dismissed
    has_history: bool = False


@dataclass
class Signals:
    profiles: dict[uuid.UUID, UserProfile]
    cohort_of: dict[uuid.UUID, str]
    cohort_jobs: dict[str, dict[uuid.UUID, float]]

    def profile(self, user_id: uuid.UUID) -> UserProfile:
        return self.profiles.get(user_id) or UserProfile()

    def similar(self, user_id: uuid.UUID) -> Mapping[uuid.UUID, float]:
        cohort = self.cohort_of.get(user_id)
        return self.cohort_jobs.get(cohort, {}) if cohort is not None else {}


def industry_middle(code: str | None) -> str | None:
    """JSIC middle class (two digits) of a code at any level below major; None for a major letter."""
    if not code or not code[:2].isdigit():
        return None
    return code[:2]


def cohort_key(user: User) -> str:
    prefecture = user.address.prefecture_code if user.address else "--"
    types = user.wishes.normalized_job_types
    return f"{prefecture}|{types[0] if types else ''}"


def decayed(kind: ActionKind, occurred_at: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86400.0) if occurred_at.tzinfo else max(
        0.0, (as_utc(now) - as_utc(occurred_at)).total_seconds() / 86400.0
    )
    return ACTION_WEIGHTS[kind] * math.exp(-age_days / DECAY_DAYS)


def build_signals(
    users: Iterable[User], actions: Iterable[Action | ActionEvent], jobs: Mapping[uuid.UUID, Job], now: datetime
) -> Signals:
    cohort_of = {u.id: cohort_key(u) for u in users}
    profiles: dict[uuid.UUID, UserProfile] = {}
    cohort_jobs: dict[str, dict[uuid.UUID, float]] = defaultdict(dict)
    # What an action's job says, worked out once per job rather than once per action.
    kinds: dict[uuid.UUID, tuple[str, str | None] | None] = {}
    for action in actions:
        profile = profiles.get(action.user_id)
        if profile is None:
            profile = profiles[action.user_id] = UserProfile(has_history=True)
        if action.kind is ActionKind.APPLY or action.kind is ActionKind.DISMISS:
            profile.excluded.add(action.job_id)
        weight = decayed(action.kind, action.occurred_at, now)
        job_id = action.job_id
        interest = profile.job_interest
        interest[job_id] = interest.get(job_id, 0.0) + weight
        if job_id not in kinds:
            job = jobs.get(job_id)
            kinds[job_id] = None if job is None else (normalize(job.job_type), industry_middle(job.industry))
        described = kinds[job_id]
        if described is not None:
            kind, middle = described
            if kind:
                profile.type_affinity[kind] = profile.type_affinity.get(kind, 0.0) + weight
            if middle is not None:
                profile.industry_affinity[middle] = profile.industry_affinity.get(middle, 0.0) + weight
        cohort = cohort_of.get(action.user_id)
        if cohort is not None:
            bucket = cohort_jobs[cohort]
            bucket[job_id] = bucket.get(job_id, 0.0) + weight
    return Signals(profiles, cohort_of, dict(cohort_jobs))
