"""The scoring contract's vocabulary: factor weights, neutral values, and what a scored pair carries.

Every score is a finite number in [0, 100]. Each factor is a value in [0, 1]; missing data gives the
neutral 0.5, never the best value. A factor's contribution is the points it adds to the total.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

NEUTRAL = 0.5

BASIC_WEIGHTS: dict[str, float] = {
    "commute": 0.30,
    "wage": 0.25,
    "job_type": 0.20,
    "industry": 0.10,
    "schedule": 0.15,
}
SEO_WEIGHTS: dict[str, float] = {
    "freshness": 0.35,
    "completeness": 0.20,
    "popularity": 0.25,
    "wage_level": 0.20,
}
PERSONAL_WEIGHTS: dict[str, float] = {
    "type_affinity": 0.35,
    "industry_affinity": 0.20,
    "job_interest": 0.15,
    "similar_users": 0.30,
}
GROUPS: dict[str, dict[str, float]] = {
    "basic": BASIC_WEIGHTS,
    "seo": SEO_WEIGHTS,
    "personalized": PERSONAL_WEIGHTS,
}

# Industry fit, judged at the JSIC middle-class level.
INDUSTRY_SAME_MIDDLE = 1.0
INDUSTRY_SAME_MAJOR = 0.6
INDUSTRY_OTHER = 0.1
JOB_TYPE_MATCH = 1.0
JOB_TYPE_OTHER = 0.1
# Commute factor falls linearly to this value at the user's limit.
COMMUTE_AT_LIMIT = 0.2
# Wage factor reaches 1 at this share above the user's minimum.
WAGE_FULL_MARGIN = 0.25
FRESHNESS_DAYS = 14.0
POPULARITY_PRIOR_VIEWS = 50.0
POPULARITY_VIEWS_SCALE = 1000.0
MARKET_WAGE_SPAN = 0.2
LEGAL_WAGE_SPAN = 0.3
AFFINITY_SCALE = 5.0
JOB_INTEREST_SCALE = 3.0
SIMILAR_SCALE = 10.0
DECAY_DAYS = 30.0
HISTORY_DAYS = 90


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    group: str  # basic | seo | personalized
    value: float  # 0..1
    contribution: float  # points of the total


FACTOR_NAMES: tuple[str, ...] = tuple(name for inner in GROUPS.values() for name in inner)
FACTOR_GROUPS: tuple[str, ...] = tuple(group for group, inner in GROUPS.items() for _ in inner)
FACTOR_INDEX: dict[str, int] = {name: i for i, name in enumerate(FACTOR_NAMES)}


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """A scored pair. Factor values and their contributions are kept as flat sequences in FACTOR_NAMES
    order (the batch path makes a million of these a run); `factors` gives them as Factor objects."""

    job_id: uuid.UUID
    basic: float
    seo: float
    personalized: float
    total: float
    cold_start: bool
    distance_km: float | None
    commute_minutes: float | None
    values: Sequence[float]
    contributions: Sequence[float]

    @property
    def factors(self) -> tuple[Factor, ...]:
        return tuple(
            Factor(name, group, value, points)
            for name, group, value, points in zip(
                FACTOR_NAMES, FACTOR_GROUPS, self.values, self.contributions, strict=True
            )
        )

    def factor(self, name: str) -> Factor:
        i = FACTOR_INDEX[name]
        return Factor(name, FACTOR_GROUPS[i], self.values[i], self.contributions[i])

    def as_json_dict(self) -> dict[str, object]:
        return {
            "cold_start": self.cold_start,
            "distance_km": self.distance_km,
            "commute_minutes": self.commute_minutes,
            "values": dict(zip(FACTOR_NAMES, self.values, strict=True)),
            "points": dict(zip(FACTOR_NAMES, self.contributions, strict=True)),
        }


def total_weights(basic: float, seo: float, personalized: float, cold_start: bool) -> tuple[float, float, float]:
    """Weights normalised to sum 1; a user with no history gives the personalized weight to the others."""
    if cold_start:
        personalized = 0.0
    whole = basic + seo + personalized
    return basic / whole, seo / whole, personalized / whole


def points_per_unit(weights: tuple[float, float, float]) -> list[float]:
    """Points of the total each factor adds per unit of its value, in FACTOR_NAMES order."""
    return [100.0 * outer * w for inner, outer in zip(GROUPS.values(), weights, strict=True) for w in inner.values()]


def build_factors(
    values: dict[str, float], weights: tuple[float, float, float]
) -> tuple[list[float], list[float], float, float, float, float]:
    """Factor values and contributions (FACTOR_NAMES order), the three scores and the total."""
    scores: list[float] = []
    flat: list[float] = []
    for inner in GROUPS.values():
        score = 0.0
        for name, w in inner.items():
            score += w * values[name]
            flat.append(values[name])
        scores.append(100.0 * score)
    points = [v * scale for v, scale in zip(flat, points_per_unit(weights), strict=True)]
    basic, seo, personalized = scores
    total = weights[0] * basic + weights[1] * seo + weights[2] * personalized
    return flat, points, basic, seo, personalized, total
