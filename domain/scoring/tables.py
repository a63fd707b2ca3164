"""Columnar views of jobs and of a chunk of users, built once so the kernel runs on numpy arrays.

Vocabulary-coded columns use -1 for 'missing'; every lookup matrix carries one extra last column holding
the missing value, so index -1 picks it without a branch.
"""

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from domain.geo import DEFAULT_MAX_COMMUTE_MINUTES, DEFAULT_WALKING_MINUTES, EARTH_RADIUS_KM, reach_km
from domain.job import Job
from domain.ranking import tiebreak_order
from domain.schedule import mask_words
from domain.scoring.context import ScoringContext
from domain.scoring.model import SEO_WEIGHTS
from domain.scoring.pairwise import industry_wishes
from domain.scoring.seo import seo_factor_arrays
from domain.scoring.signals import F64, I64, Rows, Signals, industry_middle
from domain.text import normalize
from domain.user import User

U64 = npt.NDArray[np.uint64]
Bools = npt.NDArray[np.bool_]


def _vocab(values: Sequence[str | None]) -> tuple[dict[str, int], I64]:
    vocab: dict[str, int] = {}
    codes = np.array([-1 if v is None else vocab.setdefault(v, len(vocab)) for v in values], dtype=np.int64)
    return vocab, codes


@dataclass
class JobTable:
    jobs: list[Job]
    index: dict[uuid.UUID, int]
    lat_deg: F64
    lat: F64  # radians
    lon: F64
    cos_lat: F64
    unit: F64  # (J, 3) point on the unit sphere; nan without a point
    has_point: Bools
    walk: F64
    wage: F64
    type_vocab: dict[str, int]
    type_code: I64
    middle_vocab: dict[str, int]
    middle_code: I64
    major_vocab: dict[str, int]
    major_code: I64
    shift: U64  # (J, 3) words
    shift_hours: F64
    seo_factors: dict[str, F64]
    seo: F64
    eligible: Bools  # open and at or above the legal minimum wage
    tiebreak: I64
    company_key: list[str]
    by_lat: I64  # job positions sorted by latitude, for the geographic pre-filter

    def __len__(self) -> int:
        return len(self.jobs)


def build_job_table(jobs: Sequence[Job], ctx: ScoringContext) -> JobTable:
    jobs = list(jobs)
    points = [j.point for j in jobs]
    has_point = np.array([p is not None for p in points], dtype=bool)
    lat_deg = np.array([p.latitude if p else np.nan for p in points], dtype=np.float64)
    lon_deg = np.array([p.longitude if p else np.nan for p in points], dtype=np.float64)
    type_vocab, type_code = _vocab([normalize(j.job_type) or None for j in jobs])
    middles = [industry_middle(j.industry) for j in jobs]
    middle_vocab, middle_code = _vocab(middles)
    major_vocab, major_code = _vocab([ctx.major_of_middle.get(m) if m else None for m in middles])
    shift = np.array([mask_words(j.shift_mask) for j in jobs], dtype=np.uint64).reshape(len(jobs), 3)
    factors = seo_factor_arrays(jobs, ctx)
    seo = np.zeros(len(jobs), dtype=np.float64)
    for name, w in SEO_WEIGHTS.items():
        seo = seo + w * factors[name]
    legal = [ctx.legal_minimum(j.prefecture_code) for j in jobs]
    eligible = np.array(
        [j.is_open_at(ctx.now) and (m is None or j.hourly_wage >= m) for j, m in zip(jobs, legal, strict=True)],
        dtype=bool,
    )
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    return JobTable(
        jobs=jobs,
        index={j.id: i for i, j in enumerate(jobs)},
        lat_deg=lat_deg,
        lat=lat,
        lon=lon,
        cos_lat=np.cos(lat),
        unit=unit_vectors(lat, lon),
        has_point=has_point,
        walk=np.array(
            [DEFAULT_WALKING_MINUTES if j.walking_minutes is None else j.walking_minutes for j in jobs],
            dtype=np.float64,
        ),
        wage=np.array([j.hourly_wage for j in jobs], dtype=np.float64),
        type_vocab=type_vocab,
        type_code=type_code,
        middle_vocab=middle_vocab,
        middle_code=middle_code,
        major_vocab=major_vocab,
        major_code=major_code,
        shift=shift,
        shift_hours=np.bitwise_count(shift).sum(axis=1).astype(np.float64),
        seo_factors=factors,
        seo=100.0 * seo,
        eligible=eligible,
        tiebreak=np.array(tiebreak_order([j.posted_at for j in jobs], [j.id for j in jobs]), dtype=np.int64),
        company_key=[normalize(j.company_name) for j in jobs],
        by_lat=np.argsort(np.where(has_point, lat_deg, np.inf), kind="stable").astype(np.int64),
    )


@dataclass
class SparseRows:
    """(row, job, value) triples for a chunk of users, sorted by key = row * J + job."""

    rows: I64
    jobs: I64
    values: F64

    @property
    def keys(self) -> I64:
        return self.rows * np.int64(1 << 32) + self.jobs


def unit_vectors(lat: F64, lon: F64) -> F64:
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=1)


@dataclass
class UserChunk:
    users: list[User]
    lat: F64
    lon: F64
    cos_lat: F64
    unit: F64  # (n, 3)
    reach_cos: F64  # cosine of the largest central angle a commute within the limit can span
    has_point: Bools
    limit: F64  # max commute minutes
    min_wage: F64  # nan: no wish
    type_wished: Bools  # (n, T + 1)
    has_type_wish: Bools
    industry_full: Bools  # (n, M + 1) by job middle code
    industry_near: Bools  # (n, Maj + 1) by job major code
    has_industry_wish: Bools
    avail: U64  # (n, 3)
    has_avail: Bools
    type_affinity: F64  # (n, T + 1)
    industry_affinity: F64  # (n, M + 1)
    cold: Bools
    interest: SparseRows
    similar: SparseRows
    excluded: SparseRows  # applied, dismissed or already mailed


@dataclass(frozen=True)
class SignalView:
    """A run's signals laid onto one job table: job columns as table positions, job type and industry names
    as the table's codes. Built once per scorer, read by every chunk."""

    interest: Rows
    excluded: Rows
    cohort_jobs: Rows
    type_code: I64  # signal type column -> table type code, -1 when no open job has it
    middle_code: I64

    @classmethod
    def of(cls, table: JobTable, signals: Signals) -> "SignalView":
        positions = signals.job_positions(table.index)
        return cls(
            interest=signals.interest.remap(positions),
            excluded=signals.excluded.remap(positions),
            cohort_jobs=signals.cohort_jobs.remap(positions),
            type_code=np.array([table.type_vocab.get(n, -1) for n in signals.type_names], dtype=np.int64),
            middle_code=np.array([table.middle_vocab.get(n, -1) for n in signals.middle_names], dtype=np.int64),
        )


def build_user_chunk(
    users: Sequence[User],
    table: JobTable,
    signals: Signals,
    mailed: Mapping[uuid.UUID, set[uuid.UUID]],
    ctx: ScoringContext,
    view: SignalView | None = None,
) -> UserChunk:
    view = view if view is not None else SignalView.of(table, signals)
    n = len(users)
    n_types, n_mid, n_maj = len(table.type_vocab) + 1, len(table.middle_vocab) + 1, len(table.major_vocab) + 1
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    limit = np.empty(n)
    min_wage = np.full(n, np.nan)
    type_wished = np.zeros((n, n_types), dtype=bool)
    industry_full = np.zeros((n, n_mid), dtype=bool)
    industry_near = np.zeros((n, n_maj), dtype=bool)
    has_type = np.zeros(n, dtype=bool)
    has_ind = np.zeros(n, dtype=bool)
    avail = np.zeros((n, 3), dtype=np.uint64)
    industry_rows: dict[tuple[str, ...], tuple[Bools, Bools]] = {}
    for r, user in enumerate(users):
        wishes = user.wishes
        home = user.home_point
        if home is not None:
            lat[r], lon[r] = home.latitude, home.longitude
        limit[r] = wishes.max_commute_minutes or DEFAULT_MAX_COMMUTE_MINUTES
        if wishes.min_hourly_wage:
            min_wage[r] = wishes.min_hourly_wage
        types = wishes.normalized_job_types
        has_type[r] = bool(types)
        for t in types:
            if t in table.type_vocab:
                type_wished[r, table.type_vocab[t]] = True
        if wishes.industries:
            has_ind[r] = True
            key = tuple(wishes.industries)
            if key not in industry_rows:
                industry_rows[key] = _industry_rows(key, table, ctx)
            industry_full[r], industry_near[r] = industry_rows[key]
        if wishes.availability:
            avail[r] = mask_words(wishes.availability_mask)
    rows = signals.rows_of(users)
    type_aff = _affinity(signals.types, view.type_code, rows, n_types)
    ind_aff = _affinity(signals.middles, view.middle_code, rows, n_mid)
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    # A hair of slack: the exact reach test runs later, on what passes this one.
    angle = np.array([reach_km(x) for x in limit]) / EARTH_RADIUS_KM * (1 + 1e-9) + 1e-12
    return UserChunk(
        users=list(users),
        lat=lat_r,
        lon=lon_r,
        cos_lat=np.cos(lat_r),
        unit=unit_vectors(lat_r, lon_r),
        reach_cos=np.where(angle >= np.pi, -2.0, np.cos(np.minimum(angle, np.pi))),
        has_point=~np.isnan(lat),
        limit=limit,
        min_wage=min_wage,
        type_wished=type_wished,
        has_type_wish=has_type,
        industry_full=industry_full,
        industry_near=industry_near,
        has_industry_wish=has_ind,
        avail=avail,
        has_avail=np.bitwise_count(avail).sum(axis=1) > 0,
        type_affinity=type_aff,
        industry_affinity=ind_aff,
        cold=rows < 0,
        interest=SparseRows(*view.interest.take(rows)),
        similar=SparseRows(*view.cohort_jobs.take(signals.cohorts_of(users))),
        excluded=_excluded(users, table, view.excluded.take(rows), mailed),
    )


def _affinity(weights: Rows, code_of_col: I64, rows: I64, width: int) -> F64:
    """A dense (user, table code) matrix of these users' rows; columns with no table code are left out."""
    out = np.zeros((len(rows), width))
    at, col, val = weights.take(rows)
    code = code_of_col[col]
    known = code >= 0
    out[at[known], code[known]] = val[known]
    return out


def _industry_rows(industries: tuple[str, ...], table: JobTable, ctx: ScoringContext) -> tuple[Bools, Bools]:
    """A user row of `industry_full` and of `industry_near` for these wished industries."""
    iw = industry_wishes(list(industries), ctx.major_of_middle)
    full = np.zeros(len(table.middle_vocab) + 1, dtype=bool)
    near = np.zeros(len(table.major_vocab) + 1, dtype=bool)
    for m, code in table.middle_vocab.items():
        full[code] = m in iw.middles or ctx.major_of_middle.get(m) in iw.majors
    for major, code in table.major_vocab.items():
        near[code] = major in iw.near_majors
    return full, near


def _excluded(
    users: Sequence[User],
    table: JobTable,
    behaved: tuple[I64, I64, F64],
    mailed: Mapping[uuid.UUID, set[uuid.UUID]],
) -> SparseRows:
    """Applied or dismissed (from the signals) or already mailed (from the run), one entry per pair."""
    at, jobs, _ = behaved
    if mailed:
        index = table.index
        sent = [(r, index[j]) for r, u in enumerate(users) for j in mailed.get(u.id, ()) if j in index]
        if sent:
            at = np.concatenate([at, np.array([r for r, _ in sent], dtype=np.int64)])
            jobs = np.concatenate([jobs, np.array([j for _, j in sent], dtype=np.int64)])
    keys = np.unique(at * np.int64(1 << 32) + jobs)
    return SparseRows(keys >> np.int64(32), keys & np.int64((1 << 32) - 1), np.ones(len(keys)))


def reach_filter_degrees(max_km: float, max_abs_lat_deg: float) -> tuple[float, float]:
    """Half-height and half-width, in degrees, of a box holding every point within `max_km`."""
    dlat = math.degrees(max_km / EARTH_RADIUS_KM) * 1.001
    cos_lat = math.cos(math.radians(min(89.0, max_abs_lat_deg + dlat)))
    return dlat, dlat / max(cos_lat, 1e-6)
