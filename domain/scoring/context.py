"""What a scoring run knows about the market: the date, the legal minimum wages in force, local wage
levels and how often a view turns into an application across all jobs."""

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.campaign import ScoreWeights
from domain.job import Job
from domain.jst import jst_date
from domain.reference import MinimumWageTable

DEFAULT_APPLICATION_RATE = 0.05


@dataclass(frozen=True)
class ScoringContext:
    now: datetime
    minimum_wages: MinimumWageTable
    market_wage: dict[str, float]  # prefecture code -> median hourly wage of open jobs
    application_rate: float  # applications per view over all jobs, the popularity prior
    weights: ScoreWeights
    major_of_middle: dict[str, str] = field(default_factory=dict)  # JSIC middle code -> major letter

    @property
    def on_date(self) -> date:
        return jst_date(self.now)

    def legal_minimum(self, prefecture_code: str) -> int | None:
        return self.minimum_wages.in_force(prefecture_code, self.on_date)


def build_context(
    jobs: Sequence[Job],
    now: datetime,
    minimum_wages: MinimumWageTable,
    weights: ScoreWeights,
    major_of_middle: dict[str, str] | None = None,
) -> ScoringContext:
    wages: dict[str, list[int]] = defaultdict(list)
    views = applications = 0
    for job in jobs:
        wages[job.prefecture_code].append(job.hourly_wage)
        views += job.view_count
        applications += job.application_count
    rate = applications / views if views else DEFAULT_APPLICATION_RATE
    return ScoringContext(
        now=now,
        minimum_wages=minimum_wages,
        market_wage={pref: float(statistics.median(w)) for pref, w in wages.items()},
        application_rate=min(0.5, max(0.01, rate)),
        weights=weights,
        major_of_middle=dict(major_of_middle or {}),
    )
