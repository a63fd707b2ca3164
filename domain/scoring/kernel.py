"""The vectorised pair kernel. One formula set, two ways of laying out pairs:

- `Block`: every user of a chunk against a block of jobs, arrays shaped (n, m);
- `Pairs`: chosen (user, job) pairs, arrays shaped (p,), to explain what was ranked.

The formulas match `pairwise.score_pair` operation for operation, so both paths give the same numbers.
"""

from dataclasses import dataclass

import numpy as np

from domain.geo import (
    EARTH_RADIUS_KM,
    TRANSIT_ACCESS_MINUTES,
    TRANSIT_MINUTES_PER_KM,
    WALK_MINUTES_PER_KM,
)
from domain.scoring.model import (
    AFFINITY_SCALE,
    BASIC_WEIGHTS,
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
)
from domain.scoring.signals import F64, I64
from domain.scoring.tables import Bools, JobTable, SparseRows, UserChunk


@dataclass
class Block:
    """All chunk users x the jobs `jobs` (global positions)."""

    jobs: I64

    def user(self, values: np.ndarray) -> np.ndarray:
        return values[:, None]

    def job(self, values: np.ndarray) -> np.ndarray:
        return values[self.jobs][None, :]

    def pick(self, matrix: np.ndarray, codes: I64) -> np.ndarray:
        return matrix[:, codes[self.jobs]]

    def sparse(self, entries: SparseRows, n_users: int, n_jobs: int) -> F64:
        out = np.zeros((n_users, len(self.jobs)))
        if len(entries.rows):
            position = np.full(n_jobs, -1, dtype=np.int64)
            position[self.jobs] = np.arange(len(self.jobs))
            cols = position[entries.jobs]
            keep = cols >= 0
            out[entries.rows[keep], cols[keep]] = entries.values[keep]
        return out


@dataclass
class Pairs:
    rows: I64
    jobs: I64

    def user(self, values: np.ndarray) -> np.ndarray:
        return values[self.rows]

    def job(self, values: np.ndarray) -> np.ndarray:
        return values[self.jobs]

    def pick(self, matrix: np.ndarray, codes: I64) -> np.ndarray:
        return matrix[self.rows, codes[self.jobs]]

    def sparse(self, entries: SparseRows, n_users: int, n_jobs: int) -> F64:
        out = np.zeros(len(self.rows))
        if len(entries.rows):
            keys = entries.keys
            wanted = self.rows * np.int64(1 << 32) + self.jobs
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            hit = keys[at] == wanted
            out[hit] = entries.values[at[hit]]
        return out


@dataclass
class Compact:
    """The pairs of a block that passed the pre-filter: `rows` x block columns `cols`."""

    block: Block
    rows: I64
    cols: I64

    def __post_init__(self) -> None:
        self.jobs = self.block.jobs[self.cols]

    def user(self, values: np.ndarray) -> np.ndarray:
        return values[self.rows]

    def job(self, values: np.ndarray) -> np.ndarray:
        return values[self.jobs]

    def pick(self, matrix: np.ndarray, codes: I64) -> np.ndarray:
        return matrix[self.rows, codes[self.jobs]]

    def sparse(self, entries: SparseRows, n_users: int, n_jobs: int) -> F64:
        if not len(entries.rows):
            return np.zeros(len(self.rows))
        return self.block.sparse(entries, n_users, n_jobs)[self.rows, self.cols]


Layout = Block | Pairs | Compact


def may_pass(u: UserChunk, t: JobTable, block: Block) -> Bools:
    """Cheap necessary conditions, before any trigonometry: within the straight-line reach of the user's
    commute limit (a dot product of unit vectors) and at or above the user's minimum wage. The exact rules
    are applied by `scores` to what passes here."""
    dot = (
        u.unit[:, 0:1] * t.unit[block.jobs, 0][None, :]
        + u.unit[:, 1:2] * t.unit[block.jobs, 1][None, :]
        + u.unit[:, 2:3] * t.unit[block.jobs, 2][None, :]
    )
    near: Bools = (dot >= u.reach_cos[:, None]) | ~u.has_point[:, None]
    near &= ~(t.wage[block.jobs][None, :] < u.min_wage[:, None])
    return near


def _affinity(values: np.ndarray, scale: float) -> F64:
    return 0.5 + 0.5 * np.tanh(values / scale)


def distance_and_commute(u: UserChunk, t: JobTable, at: Layout) -> tuple[F64, F64, Bools]:
    lat1, lat2 = at.user(u.lat), at.job(t.lat)
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + at.user(u.cos_lat) * at.job(t.cos_lat) * np.sin((at.job(t.lon) - at.user(u.lon)) / 2) ** 2
    )
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    minutes = np.minimum(km * WALK_MINUTES_PER_KM, TRANSIT_ACCESS_MINUTES + km * TRANSIT_MINUTES_PER_KM)
    minutes = minutes + at.job(t.walk)
    known = at.user(u.has_point) & at.job(t.has_point)
    return km, minutes, known


def factor_values(u: UserChunk, t: JobTable, at: Layout) -> tuple[dict[str, F64], F64, F64, Bools, Bools]:
    """Factor values (seo ones excluded: they are per job), distance, commute, known-location and exclusion."""
    n_users, n_jobs = len(u.users), len(t)
    km, minutes, known = distance_and_commute(u, t, at)
    limit = at.user(u.limit)
    values: dict[str, F64] = {}
    with np.errstate(invalid="ignore"):
        values["commute"] = np.where(known, np.maximum(0.0, 1.0 - (1.0 - COMMUTE_AT_LIMIT) * minutes / limit), NEUTRAL)
        m = at.user(u.min_wage)
        wage = at.job(t.wage)
        ratio = np.clip(0.5 + 0.5 * (wage - m) / (WAGE_FULL_MARGIN * m), 0.0, 1.0)
    values["wage"] = np.where(np.isnan(m), NEUTRAL, ratio)
    wished = at.pick(u.type_wished, t.type_code)
    values["job_type"] = np.where(
        at.user(u.has_type_wish) & (at.job(t.type_code) >= 0),
        np.where(wished, JOB_TYPE_MATCH, JOB_TYPE_OTHER),
        NEUTRAL,
    )
    fit = np.where(
        at.pick(u.industry_full, t.middle_code),
        INDUSTRY_SAME_MIDDLE,
        np.where(at.pick(u.industry_near, t.major_code), INDUSTRY_SAME_MAJOR, INDUSTRY_OTHER),
    )
    values["industry"] = np.where(at.user(u.has_industry_wish) & (at.job(t.middle_code) >= 0), fit, NEUTRAL)
    common = np.zeros(np.broadcast_shapes(at.user(u.limit).shape, at.job(t.wage).shape))
    for k in range(3):
        common = common + np.bitwise_count(at.user(u.avail[:, k]) & at.job(t.shift[:, k]))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = common / at.job(t.shift_hours)
    values["schedule"] = np.where(at.user(u.has_avail) & (at.job(t.shift_hours) > 0), share, NEUTRAL)
    values["type_affinity"] = _affinity(at.pick(u.type_affinity, t.type_code), AFFINITY_SCALE)
    values["industry_affinity"] = _affinity(at.pick(u.industry_affinity, t.middle_code), AFFINITY_SCALE)
    own = at.sparse(u.interest, n_users, n_jobs)
    values["job_interest"] = _affinity(own, JOB_INTEREST_SCALE)
    values["similar_users"] = _affinity(at.sparse(u.similar, n_users, n_jobs) - own, SIMILAR_SCALE)
    cold = at.user(u.cold)
    for name in PERSONAL_WEIGHTS:  # no history: the neutral value (see pairwise.score_pair)
        values[name] = np.where(cold, NEUTRAL, values[name])
    excluded = (
        ~at.job(t.eligible)
        | (wage < np.where(np.isnan(m), -np.inf, m))
        | (at.sparse(u.excluded, n_users, n_jobs) > 0)
        | (at.user(u.has_point) & ~at.job(t.has_point))
        | (known & (minutes > limit))
    )
    return values, km, minutes, known, excluded


def scores(u: UserChunk, t: JobTable, at: Layout, weights: tuple[float, float, float]) -> tuple[
    dict[str, F64], F64, F64, F64, F64, F64, F64, Bools
]:
    """Factor values, basic, seo, personalized, total, distance, commute, exclusion.

    Weights come per user: (wb, ws, wp) already normalised for warm users; cold users use their own."""
    values, km, minutes, known, excluded = factor_values(u, t, at)
    basic = np.zeros(excluded.shape)
    for name, w in BASIC_WEIGHTS.items():
        basic = basic + w * values[name]
    basic = 100.0 * basic
    personal = np.zeros(excluded.shape)
    for name, w in PERSONAL_WEIGHTS.items():
        personal = personal + w * values[name]
    personal = 100.0 * personal
    seo = at.job(t.seo)
    wb, ws, wp = weights
    whole_cold = wb + ws
    cold = at.user(u.cold)
    total = np.where(
        cold,
        (wb / whole_cold) * basic + (ws / whole_cold) * seo + 0.0 * personal,
        (wb / (wb + ws + wp)) * basic + (ws / (wb + ws + wp)) * seo + (wp / (wb + ws + wp)) * personal,
    )
    km = np.where(known, km, np.nan)
    minutes = np.where(known, minutes, np.nan)
    return values, basic, np.broadcast_to(seo, basic.shape), personal, total, km, minutes, excluded
