"""Human-readable reasons, in Japanese, from the factors that ranked the job.

Facts people look for first (how far, how much) lead; the other reasons follow by how many points
their factor added to the total.
"""

from collections.abc import Callable

from domain.job import Job
from domain.scoring.model import FACTOR_INDEX, ScoreBreakdown
from domain.user import Preferences

MAX_REASONS = 5

# factor -> (threshold, reason) for reasons that state a strength of the match.
_STRENGTHS: dict[str, tuple[float, str]] = {
    "schedule": (0.999, "希望の曜日・時間帯にぴったり"),
    "freshness": (0.8, "新着の求人"),
    "popularity": (0.6, "応募が集まっている人気の求人"),
    "wage_level": (0.8, "この地域の相場より高い時給"),
    "type_affinity": (0.7, "よく見ている職種"),
    "industry_affinity": (0.7, "よく見ている業種"),
    "job_interest": (0.7, "気になっていた求人"),
    "similar_users": (0.7, "似た希望の人が注目している求人"),
}


_JOB_TYPE = FACTOR_INDEX["job_type"]
_INDUSTRY = FACTOR_INDEX["industry"]
_STRENGTH_INDEX = [(FACTOR_INDEX[name], threshold, text) for name, (threshold, text) in _STRENGTHS.items()]


def explain(
    breakdown: ScoreBreakdown,
    job: Job,
    wishes: Preferences,
    industry_name: Callable[[str], str | None] = lambda code: None,
) -> list[str]:
    minutes = breakdown.commute_minutes
    reasons = [] if minutes is None else [f"自宅から約{round(minutes)}分"]
    wage, wished = job.hourly_wage, wishes.min_hourly_wage
    if wished and wage > wished:
        reasons.append(f"時給{wage:,}円（希望より+{wage - wished:,}円）")
    elif wished:
        reasons.append(f"時給{wage:,}円（希望どおり）")
    else:
        reasons.append(f"時給{wage:,}円")
    values, points = breakdown.values, breakdown.contributions
    ranked = [(points[i], text) for i, threshold, text in _STRENGTH_INDEX if values[i] >= threshold and points[i] > 0]
    if values[_INDUSTRY] >= 1.0 and job.industry:
        name = industry_name(job.industry)
        if name:
            ranked.insert(0, (points[_INDUSTRY], f"希望業種：{name}"))
    if values[_JOB_TYPE] >= 1.0:
        ranked.insert(0, (points[_JOB_TYPE], f"希望職種：{job.job_type}"))
    ranked.sort(key=_points, reverse=True)  # stable: equal points keep the order above
    reasons += [text for _, text in ranked[: MAX_REASONS - len(reasons)]]
    return reasons


def _points(item: tuple[float, str]) -> float:
    return item[0]
