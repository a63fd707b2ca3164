"""The one-pair path: scores one job for one user and explains it. The batch scorer must give the same
numbers (a property test holds them equal); this path is the readable statement of the rules."""

import math
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from domain.geo import DEFAULT_MAX_COMMUTE_MINUTES, DEFAULT_WALKING_MINUTES, commute_minutes, distance_km
from domain.job import Job
from domain.schedule import overlap_share
from domain.scoring.context import ScoringContext
from domain.scoring.model import (
    AFFINITY_SCALE,
    COMMUTE_AT_LIMIT,
    INDUSTRY_OTHER,
    INDUSTRY_SAME_MAJOR,
    INDUSTRY_SAME_MIDDLE,
    JOB_INTEREST_SCALE,
    JOB_TYPE_MATCH,
    JOB_TYPE_OTHER,
    NEUTRAL,
    PERSONAL_WEIGHTS,
    SIMILAR_SCALE,
    WAGE_FULL_MARGIN,
    ScoreBreakdown,
    build_factors,
    total_weights,
)
from domain.scoring.seo import seo_factors
from domain.scoring.signals import UserProfile, industry_middle
from domain.text import normalize
from domain.user import User


class Exclusion:
    """Why a job must never be sent to a user."""

    CLOSED = "closed"
    BELOW_LEGAL_MINIMUM = "below_legal_minimum"
    BELOW_USER_MINIMUM = "below_user_minimum"
    APPLIED_OR_DISMISSED = "applied_or_dismissed"
    ALREADY_MAILED = "already_mailed"
    OUT_OF_REACH = "out_of_reach"
    LOCATION_UNKNOWN = "job_location_unknown"


@dataclass(frozen=True, slots=True)
class IndustryWishes:
    middles: frozenset[str]  # wished JSIC middle classes
    majors: frozenset[str]  # wished major letters (the whole major fits)
    near_majors: frozenset[str]  # majors of wished middles (a near fit)


def industry_wishes(codes: Collection[str], major_of_middle: Mapping[str, str]) -> IndustryWishes:
    middles = {m for c in codes if (m := industry_middle(c)) is not None}
    majors = {c.strip().upper() for c in codes if c.strip()[:1].isalpha()}
    near = {major_of_middle[m] for m in middles if m in major_of_middle}
    return IndustryWishes(frozenset(middles), frozenset(majors), frozenset(near))


def _affinity(value: float, scale: float) -> float:
    return 0.5 + 0.5 * math.tanh(value / scale)


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def exclusion(
    user: User, profile: UserProfile, job: Job, ctx: ScoringContext, mailed: Collection[uuid.UUID] = ()
) -> str | None:
    """The first rule that forbids sending this job to this user, or None."""
    if not job.is_open_at(ctx.now):
        return Exclusion.CLOSED
    legal = ctx.legal_minimum(job.prefecture_code)
    if legal is not None and job.hourly_wage < legal:
        return Exclusion.BELOW_LEGAL_MINIMUM
    wished = user.wishes.min_hourly_wage
    if wished is not None and job.hourly_wage < wished:
        return Exclusion.BELOW_USER_MINIMUM
    if job.id in profile.excluded:
        return Exclusion.APPLIED_OR_DISMISSED
    if job.id in mailed:
        return Exclusion.ALREADY_MAILED
    home, place = user.home_point, job.point
    if home is not None:
        if place is None:
            return Exclusion.LOCATION_UNKNOWN
        limit = user.wishes.max_commute_minutes or DEFAULT_MAX_COMMUTE_MINUTES
        walk = job.walking_minutes if job.walking_minutes is not None else DEFAULT_WALKING_MINUTES
        if commute_minutes(distance_km(home, place), walk) > limit:
            return Exclusion.OUT_OF_REACH
    return None


def score_pair(
    user: User,
    profile: UserProfile,
    similar: Mapping[uuid.UUID, float],
    job: Job,
    ctx: ScoringContext,
) -> ScoreBreakdown:
    """Scores without applying the exclusions (see `exclusion`)."""
    wishes = user.wishes
    values: dict[str, float] = {}
    home, place = user.home_point, job.point
    km = minutes = None
    if home is not None and place is not None:
        km = distance_km(home, place)
        walk = job.walking_minutes if job.walking_minutes is not None else DEFAULT_WALKING_MINUTES
        minutes = commute_minutes(km, walk)
        limit = wishes.max_commute_minutes or DEFAULT_MAX_COMMUTE_MINUTES
        values["commute"] = max(0.0, 1.0 - (1.0 - COMMUTE_AT_LIMIT) * minutes / limit)
    else:
        values["commute"] = NEUTRAL
    m = wishes.min_hourly_wage
    wage_gap = job.hourly_wage - m if m else 0
    values["wage"] = _clip01(0.5 + 0.5 * wage_gap / (WAGE_FULL_MARGIN * m)) if m else NEUTRAL
    types = wishes.normalized_job_types
    kind = normalize(job.job_type)
    values["job_type"] = NEUTRAL if not types or not kind else JOB_TYPE_MATCH if kind in types else JOB_TYPE_OTHER
    values["industry"] = _industry_fit(wishes.industries, job.industry, ctx)
    share = overlap_share(wishes.availability_mask, job.shift_mask)
    values["schedule"] = NEUTRAL if share is None else share
    values.update(seo_factors(job, ctx))
    middle = industry_middle(job.industry)
    values["type_affinity"] = _affinity(profile.type_affinity.get(kind, 0.0) if kind else 0.0, AFFINITY_SCALE)
    values["industry_affinity"] = _affinity(
        profile.industry_affinity.get(middle, 0.0) if middle else 0.0, AFFINITY_SCALE
    )
    own = profile.job_interest.get(job.id, 0.0)
    values["job_interest"] = _affinity(own, JOB_INTEREST_SCALE)
    values["similar_users"] = _affinity(similar.get(job.id, 0.0) - own, SIMILAR_SCALE)
    cold = not profile.has_history
    if cold:  # no history: the defined neutral value, whatever similar users did (its weight moves anyway)
        for name in PERSONAL_WEIGHTS:
            values[name] = NEUTRAL
    w = ctx.weights
    flat, points, basic, seo, personalized, total = build_factors(
        values, total_weights(w.basic, w.seo, w.personalized, cold)
    )
    return ScoreBreakdown(job.id, basic, seo, personalized, total, cold, km, minutes, flat, points)


def _industry_fit(wished: Collection[str], code: str | None, ctx: ScoringContext) -> float:
    middle = industry_middle(code)
    if not wished or middle is None:
        return NEUTRAL
    wishes = industry_wishes(wished, ctx.major_of_middle)
    major = ctx.major_of_middle.get(middle)
    if middle in wishes.middles or (major is not None and major in wishes.majors):
        return INDUSTRY_SAME_MIDDLE
    if major is not None and major in wishes.near_majors:
        return INDUSTRY_SAME_MAJOR
    return INDUSTRY_OTHER
