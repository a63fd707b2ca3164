"""SEO score: the quality of the listing itself, the same for every user.

freshness (days since posting), completeness (optional fields filled), popularity (applications per view,
smoothed toward the market's rate so one view and one application do not beat a proven listing, plus
volume), and wage level (against the local market and the legal minimum in force).
"""

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from domain.job import Job
from domain.jst import as_utc
from domain.scoring.context import ScoringContext
from domain.scoring.model import (
    FRESHNESS_DAYS,
    LEGAL_WAGE_SPAN,
    MARKET_WAGE_SPAN,
    NEUTRAL,
    POPULARITY_PRIOR_VIEWS,
    POPULARITY_VIEWS_SCALE,
)

COMPLETENESS_FIELDS = 9
MIN_DESCRIPTION_CHARS = 30
FloatArray = npt.NDArray[np.float64]


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def completeness(job: Job) -> float:
    filled = (
        len(job.description.strip()) >= MIN_DESCRIPTION_CHARS,
        bool(job.industry),
        bool(job.station_code or job.nearest_station),
        job.walking_minutes is not None,
        job.work_start_time is not None and job.work_end_time is not None,
        job.work_days != 0,
        bool(job.address),
        bool(job.requirements),
        bool(job.benefits),
    )
    return sum(filled) / COMPLETENESS_FIELDS


def seo_factors(job: Job, ctx: ScoringContext) -> dict[str, float]:
    age_days = max(0.0, (as_utc(ctx.now) - as_utc(job.posted_at)).total_seconds() / 86400.0)
    p0 = ctx.application_rate
    rate = (job.application_count + POPULARITY_PRIOR_VIEWS * p0) / (job.view_count + POPULARITY_PRIOR_VIEWS)
    volume = min(1.0, math.log1p(job.view_count) / math.log1p(POPULARITY_VIEWS_SCALE))
    market = ctx.market_wage.get(job.prefecture_code)
    legal = ctx.legal_minimum(job.prefecture_code)
    w = float(job.hourly_wage)
    vs_market = NEUTRAL if not market else _clip01(0.5 + (w - market) / (2.0 * MARKET_WAGE_SPAN * market))
    vs_legal = NEUTRAL if not legal else _clip01((w - legal) / (LEGAL_WAGE_SPAN * legal))
    return {
        "freshness": math.exp(-age_days / FRESHNESS_DAYS),
        "completeness": completeness(job),
        "popularity": 0.7 * min(1.0, rate / (3.0 * p0)) + 0.3 * volume,
        "wage_level": 0.5 * vs_market + 0.5 * vs_legal,
    }


def seo_factor_arrays(jobs: Sequence[Job], ctx: ScoringContext) -> dict[str, FloatArray]:
    """The same factors for many jobs at once, as float64 arrays."""
    now = as_utc(ctx.now)
    age = np.array([(now - as_utc(j.posted_at)).total_seconds() / 86400.0 for j in jobs], dtype=np.float64)
    age = np.maximum(0.0, age)
    views = np.array([j.view_count for j in jobs], dtype=np.float64)
    apps = np.array([j.application_count for j in jobs], dtype=np.float64)
    wage = np.array([j.hourly_wage for j in jobs], dtype=np.float64)
    market = np.array([ctx.market_wage.get(j.prefecture_code) or np.nan for j in jobs], dtype=np.float64)
    legal = np.array([ctx.legal_minimum(j.prefecture_code) or np.nan for j in jobs], dtype=np.float64)
    p0 = ctx.application_rate
    rate = (apps + POPULARITY_PRIOR_VIEWS * p0) / (views + POPULARITY_PRIOR_VIEWS)
    volume = np.minimum(1.0, np.log1p(views) / math.log1p(POPULARITY_VIEWS_SCALE))
    with np.errstate(invalid="ignore"):
        vs_market = np.clip(0.5 + (wage - market) / (2.0 * MARKET_WAGE_SPAN * market), 0.0, 1.0)
        vs_legal = np.clip((wage - legal) / (LEGAL_WAGE_SPAN * legal), 0.0, 1.0)
    vs_market = np.where(np.isnan(market), NEUTRAL, vs_market)
    vs_legal = np.where(np.isnan(legal), NEUTRAL, vs_legal)
    return {
        "freshness": np.exp(-age / FRESHNESS_DAYS),
        "completeness": np.array([completeness(j) for j in jobs], dtype=np.float64),
        "popularity": 0.7 * np.minimum(1.0, rate / (3.0 * p0)) + 0.3 * volume,
        "wage_level": 0.5 * vs_market + 0.5 * vs_legal,
    }
