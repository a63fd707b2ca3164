"""The batch scorer: every user against every open job, in chunks, with a geographic pre-filter.

Users are sorted by place and taken a chunk at a time; each chunk is scored only against the jobs inside
the box its members can reach, a block of jobs at a time, so memory is bounded by the block, not by
users x jobs. Each block keeps its best candidates per user under the total order; a chunk then applies
the per-company cap and explains the survivors with the same kernel laid out as pairs.
"""

import copy
import dataclasses
import math
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from domain.campaign import ScoreWeights
from domain.geo import reach_km
from domain.scoring.context import ScoringContext
from domain.scoring.kernel import Block, Compact, Pairs, may_pass, scores
from domain.scoring.model import FACTOR_NAMES, ScoreBreakdown, points_per_unit, total_weights
from domain.scoring.signals import I64, Signals
from domain.scoring.tables import (
    JobTable,
    SignalView,
    UserChunk,
    build_user_chunk,
    reach_filter_degrees,
)
from domain.user import User

CHUNK_USERS = 256
# Pairs per block before the reach pre-filter; only the pre-filter's survivors get the full kernel.
BLOCK_PAIRS = 1 << 19


@dataclass(frozen=True)
class RankRequest:
    limit: int  # jobs per user
    per_company_cap: int
    min_total: float = 0.0


@dataclass
class ChunkResult:
    users: list[User]
    job_positions: list[list[int]]  # per user, best first: positions in the scorer's job table
    pairs_total: int  # users x open jobs: what a scorer without the pre-filter would touch
    pairs_scored: int  # pairs in the reach boxes of the chunk
    eligible: list[int]  # per user: jobs that passed every rule
    explainer: Callable[[], list[list[ScoreBreakdown]]] = field(repr=False)
    _ranked: list[list[ScoreBreakdown]] | None = field(default=None, repr=False)

    @property
    def ranked(self) -> list[list[ScoreBreakdown]]:
        """Per user, best first, with every score and factor; computed on first use."""
        if self._ranked is None:
            self._ranked = self.explainer()
        return self._ranked


class BatchScorer:
    def __init__(self, table: JobTable, signals: Signals, ctx: ScoringContext) -> None:
        self.table = table
        self.signals = signals
        self.ctx = ctx
        w = ctx.weights
        self._weights = (w.basic, w.seo, w.personalized)
        self._view = SignalView.of(table, signals)

    def with_weights(self, weights: ScoreWeights) -> "BatchScorer":
        """The same jobs, signals and market scored with other weights (an A/B variant's); the tables are
        shared, not rebuilt."""
        other = copy.copy(self)
        other.ctx = dataclasses.replace(self.ctx, weights=weights)
        other._weights = (weights.basic, weights.seo, weights.personalized)
        return other

    def rank(
        self,
        users: Sequence[User],
        request: RankRequest,
        mailed: Mapping[uuid.UUID, set[uuid.UUID]] | None = None,
        chunk_users: int = CHUNK_USERS,
    ) -> Iterator[ChunkResult]:
        mailed = mailed or {}
        order = spatial_order(users)
        for start in range(0, len(users), chunk_users):
            chunk = [users[i] for i in order[start : start + chunk_users]]
            yield self.rank_chunk(chunk, request, mailed)

    def rank_chunk(
        self, users: Sequence[User], request: RankRequest, mailed: Mapping[uuid.UUID, set[uuid.UUID]]
    ) -> ChunkResult:
        u = build_user_chunk(users, self.table, self.signals, mailed, self.ctx, self._view)
        candidates = self.candidates(u)
        keep = max(4 * request.limit, request.limit + 20)
        rows, jobs, totals, eligible = self._best(u, candidates, request, keep)
        final_rows, final_jobs = self._cap(rows, jobs, totals, len(users), request)
        kept = np.bincount(rows, minlength=len(users))
        short = [r for r in range(len(users)) if len(final_rows[r]) < request.limit and eligible[r] > kept[r]]
        for r in short:  # the cap ate the kept candidates: this user again with no limit
            one = build_user_chunk([users[r]], self.table, self.signals, mailed, self.ctx, self._view)
            r1, j1, t1, _ = self._best(one, candidates, request, len(candidates))
            fr, fj = self._cap(r1, j1, t1, 1, request)
            final_rows[r], final_jobs[r] = [r] * len(fr[0]), fj[0]
        return ChunkResult(
            users=list(users),
            job_positions=final_jobs,
            pairs_total=len(users) * len(self.table),
            pairs_scored=len(users) * len(candidates),
            eligible=eligible.tolist(),
            explainer=lambda: self._explain(u, final_rows, final_jobs),
        )

    def candidates(self, u: UserChunk) -> I64:
        """Jobs inside the box every chunk member could reach; all jobs if someone has no home point."""
        t = self.table
        if not u.has_point.all():
            return np.arange(len(t), dtype=np.int64)
        lat_deg, lon_deg = np.degrees(u.lat), np.degrees(u.lon)
        dlat, dlon = reach_filter_degrees(reach_km(float(u.limit.max())), float(np.abs(lat_deg).max()))
        sorted_lat = t.lat_deg[t.by_lat]
        lo = int(np.searchsorted(sorted_lat, lat_deg.min() - dlat, side="left"))
        hi = int(np.searchsorted(sorted_lat, lat_deg.max() + dlat, side="right"))
        band = t.by_lat[lo:hi]
        lon = np.degrees(t.lon[band])
        inside = (lon >= lon_deg.min() - dlon) & (lon <= lon_deg.max() + dlon) & t.eligible[band]
        return np.sort(band[inside])

    def _best(
        self, u: UserChunk, candidates: I64, request: RankRequest, keep: int
    ) -> tuple[I64, I64, np.ndarray, np.ndarray]:
        n = len(u.users)
        step = max(1, BLOCK_PAIRS // max(1, n))
        found_rows, found_jobs, found_totals = [], [], []
        eligible = np.zeros(n, dtype=np.int64)
        for start in range(0, len(candidates), step):
            block = Block(candidates[start : start + step])
            rows, cols = np.nonzero(may_pass(u, self.table, block))
            if not len(rows):
                continue
            at = Compact(block, rows, cols)
            *_, total, _, _, excluded = scores(u, self.table, at, self._weights)
            ok = ~excluded & (total >= request.min_total)
            rows, cols, total = rows[ok], cols[ok], total[ok]
            per_user = np.bincount(rows, minlength=n)
            eligible += per_user
            if per_user.max(initial=0) > keep:  # keep each user's best `keep` (and ties at the cut)
                dense = np.full((n, len(block.jobs)), -np.inf)
                dense[rows, cols] = total
                kth = -np.partition(-dense, keep - 1, axis=1)[:, keep - 1]
                best = total >= kth[rows]
                rows, cols, total = rows[best], cols[best], total[best]
            found_rows.append(rows)
            found_jobs.append(block.jobs[cols])
            found_totals.append(total)
        if not found_rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0), eligible
        return np.concatenate(found_rows), np.concatenate(found_jobs), np.concatenate(found_totals), eligible

    def _cap(
        self, rows: I64, jobs: I64, totals: np.ndarray, n: int, request: RankRequest
    ) -> tuple[list[list[int]], list[list[int]]]:
        order = np.lexsort((self.table.tiebreak[jobs], -totals, rows))
        rows, jobs = rows[order], jobs[order]
        bounds = np.searchsorted(rows, np.arange(n + 1))
        company = self.table.company_key
        out_rows: list[list[int]] = []
        out_jobs: list[list[int]] = []
        for r in range(n):
            kept: list[int] = []
            per_company: dict[str, int] = {}
            for j in jobs[bounds[r] : bounds[r + 1]].tolist():
                key = company[j]
                if per_company.get(key, 0) < request.per_company_cap:
                    per_company[key] = per_company.get(key, 0) + 1
                    kept.append(j)
                    if len(kept) >= request.limit:
                        break
            out_rows.append([r] * len(kept))
            out_jobs.append(kept)
        return out_rows, out_jobs

    def _explain(self, u: UserChunk, rows: list[list[int]], jobs: list[list[int]]) -> list[list[ScoreBreakdown]]:
        flat_rows = np.array([r for rr in rows for r in rr], dtype=np.int64)
        flat_jobs = np.array([j for jj in jobs for j in jj], dtype=np.int64)
        if not len(flat_rows):
            return [[] for _ in rows]
        values, basic, seo, personal, total, km, minutes, _ = scores(
            u, self.table, Pairs(flat_rows, flat_jobs), self._weights
        )
        values = {**values, **{k: v[flat_jobs] for k, v in self.table.seo_factors.items()}}
        matrix = np.stack([values[name] for name in FACTOR_NAMES], axis=1)  # (pairs, factors)
        cold = u.cold[flat_rows]
        # Points per unit of factor value, for warm (row 0) and cold (row 1) users.
        scales = np.array([points_per_unit(total_weights(*self._weights, is_cold)) for is_cold in (False, True)])
        points = matrix * scales[cold.astype(np.int64)]
        value_rows, point_rows = matrix.tolist(), points.tolist()
        b, s, p, tt = basic.tolist(), seo.tolist(), personal.tolist(), total.tolist()
        dist, mins, cold_list = km.tolist(), minutes.tolist(), cold.tolist()
        ids = [self.table.jobs[j].id for j in flat_jobs.tolist()]
        out: list[list[ScoreBreakdown]] = [[] for _ in rows]
        for i, r in enumerate(flat_rows.tolist()):
            out[r].append(ScoreBreakdown(
                ids[i], b[i], s[i], p[i], tt[i], cold_list[i],
                None if math.isnan(dist[i]) else dist[i], None if math.isnan(mins[i]) else mins[i],
                value_rows[i], point_rows[i],
            ))  # fmt: skip
        return out


def spatial_order(users: Sequence[User]) -> list[int]:
    """Users near each other end up in the same chunk; users without a home point come last."""

    def key(i: int) -> tuple[int, float, float]:
        p = users[i].home_point
        if p is None:
            return (1 << 30, 0.0, 0.0)
        return (int(p.latitude // 0.25), p.longitude, p.latitude)

    return sorted(range(len(users)), key=key)
