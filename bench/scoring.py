"""Scoring throughput: the product's batch scorer against a plain "GEMM + top-k" reference kernel.

    .venv/bin/python bench/scoring.py --users 10000 --jobs 10000 [--seed 7] [--limit 10] [--profile]

Both run in this process on the same demo data (users at real postal codes, jobs at real stations):

(a) product: build_context + build_signals + build_job_table + BatchScorer.rank(users, RankRequest(limit, 2)),
    every chunk consumed (scoring, filtering, per-company cap, top-`limit`, explanations);
(b) reference: the matrix-multiply formulation of a job scorer that DESIGN.md anchors at ~30M pairs/s per
    core (performance-limits.md, variant B): float32 GEMM of user features (U x F) and job features (F x J)
    for the bilinear terms, float64 GEMM of 3-D unit vectors for distance (exp decay), the reach filter,
    then np.argpartition top-`limit` per user; feature extraction from the same User/Job objects included.
    A bare GEMM + top-k without distance is printed too, for context (no job matcher can skip distance).

Both are timed `--rounds` (3) times, alternating, and each side's median timing counts (every round is
printed). Pairs are counted as U x J for both. The last line is `ratio=<product pairs/s / reference pairs/s>`.
"""

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.reference_data.loader import BundledReferenceData
from application.demo_data import build_demo_data
from application.heap import collector_paused, settled_heap
from application.matching import major_of_middle
from domain.geo import DEFAULT_MAX_COMMUTE_MINUTES, EARTH_RADIUS_KM, reach_km
from domain.job import Job
from domain.scoring.batch import BatchScorer, RankRequest
from domain.scoring.context import build_context
from domain.scoring.signals import build_signals
from domain.scoring.tables import build_job_table
from domain.text import normalize
from domain.user import User

N_TYPE_SLOTS = 12  # one-hot job-type slots; F = 3 (unit vector) + 1 (wage) + 12 = 16
REF_BLOCK_USERS = 256


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run_product(users, jobs, actions, reference, weights, now, limit):
    """Returns (seconds, setup seconds, pairs_total, pairs_scored, ranked count)."""
    # As a daily run does it (RunDailyMail): the state built with the collector paused, ranked with the
    # state frozen out of the collector's sight (application/heap.py).
    started = time.perf_counter()
    with collector_paused():
        ctx = build_context(jobs, now, reference.minimum_wages(), weights, major_of_middle(reference))
        signals = build_signals(users, actions, {j.id: j for j in jobs}, now)
        table = build_job_table(jobs, ctx)
        scorer = BatchScorer(table, signals, ctx)
    setup = time.perf_counter() - started
    pairs_total = pairs_scored = ranked = 0
    with settled_heap():
        for result in scorer.rank(users, RankRequest(limit=limit, per_company_cap=2)):
            pairs_total += result.pairs_total
            pairs_scored += result.pairs_scored
            ranked += sum(len(r) for r in result.job_positions)
    return time.perf_counter() - started, setup, pairs_total, pairs_scored, ranked


def _unit(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def _points_unit(points: list) -> np.ndarray:
    lat = np.array([p.latitude if p else 0.0 for p in points])
    lon = np.array([p.longitude if p else 0.0 for p in points])
    return _unit(lat, lon)


def features(users: list[User], jobs: list[Job]) -> tuple[np.ndarray, np.ndarray]:
    """User features (U x 16) and job features (16 x J), float32."""
    slots: dict[str, int] = {}

    def slot(kind: str | None) -> int:
        return -1 if not kind else slots.setdefault(kind, len(slots)) % N_TYPE_SLOTS

    f = 4 + N_TYPE_SLOTS
    jf = np.zeros((len(jobs), f), dtype=np.float32)
    points = [j.point for j in jobs]
    jlat = np.array([p.latitude if p else 0.0 for p in points])
    jlon = np.array([p.longitude if p else 0.0 for p in points])
    jf[:, :3] = _unit(jlat, jlon)
    jf[:, 3] = np.array([j.hourly_wage for j in jobs], dtype=np.float32) / 1000.0
    jt = np.array([slot(normalize(j.job_type)) for j in jobs])
    has = jt >= 0
    jf[np.nonzero(has)[0], 4 + jt[has]] = 1.0

    uf = np.zeros((len(users), f), dtype=np.float32)
    homes = [u.home_point for u in users]
    ulat = np.array([p.latitude if p else 0.0 for p in homes])
    ulon = np.array([p.longitude if p else 0.0 for p in homes])
    uf[:, :3] = 50.0 * _unit(ulat, ulon)  # proximity dominates, like a distance decay
    uf[:, 3] = np.array([-(u.wishes.min_hourly_wage or 0) / 1000.0 for u in users], dtype=np.float32) * 0.1 + 1.0
    for r, u in enumerate(users):
        for kind in u.wishes.normalized_job_types:
            s = slot(kind)
            if s >= 0:
                uf[r, 4 + s] = 1.0
    return uf, np.ascontiguousarray(jf.T)


def run_bare_gemm(users, jobs, limit):
    """Bilinear GEMM + top-k only, no distance: a floor no real job matcher can use (printed for context)."""
    started = time.perf_counter()
    uf, jf = features(users, jobs)
    k = min(limit, jf.shape[1])
    for s in range(0, len(users), REF_BLOCK_USERS):
        block = uf[s : s + REF_BLOCK_USERS] @ jf
        part = np.argpartition(-block, k - 1, axis=1)[:, :k]
        np.argsort(-np.take_along_axis(block, part, axis=1), axis=1)
    return time.perf_counter() - started


def run_reference(users, jobs, limit):
    """The matrix-multiply formulation of the scorer that DESIGN.md anchors at ~30M pairs/s per core
    (performance-limits.md, variant B): float32 GEMM for the bilinear terms (wage, job-type wishes),
    float64 GEMM of 3-D unit vectors for distance, exp distance decay, reach filter (dot < cos of the
    user's reach), top-k. Returns (seconds, feature seconds, top-k indices)."""
    started = time.perf_counter()
    uf, jf = features(users, jobs)
    uf[:, :3] = 0.0  # distance is scored from the exact dot below, not as a bilinear term
    uvec = _points_unit([u.home_point for u in users])
    jvec = np.ascontiguousarray(_points_unit([j.point for j in jobs]).T)
    reach = np.array([reach_km(u.wishes.max_commute_minutes or DEFAULT_MAX_COMMUTE_MINUTES) for u in users])
    reach_cos = np.cos(reach / EARTH_RADIUS_KM)
    feat = time.perf_counter() - started
    top = np.empty((len(users), limit), dtype=np.int64)
    k = min(limit, jf.shape[1])
    for s in range(0, len(users), REF_BLOCK_USERS):
        e = s + REF_BLOCK_USERS
        score = uf[s:e] @ jf
        dot = uvec[s:e] @ jvec
        km = EARTH_RADIUS_KM * np.arccos(np.clip(dot, -1.0, 1.0))
        score += (50.0 * np.exp(-km / 10.0)).astype(np.float32)
        np.copyto(score, np.float32(-np.inf), where=dot < reach_cos[s:e, None])
        part = np.argpartition(-score, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(score, part, axis=1), axis=1)
        top[s : s + len(score), :k] = np.take_along_axis(part, order, axis=1)
    return time.perf_counter() - started, feat, top


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--jobs", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--profile", action="store_true", help="cProfile the product path, print top functions")
    p.add_argument("--rounds", type=int, default=3, help="timings of each side, alternating; the median counts")
    a = p.parse_args()

    now = datetime.now(UTC).replace(microsecond=0)
    reference = BundledReferenceData()
    t0 = time.perf_counter()
    data = build_demo_data(reference, a.users, a.jobs, a.seed, now)
    print(f"demo data: {len(data.users):,} users, {len(data.jobs):,} jobs, {len(data.actions):,} actions "
          f"in {time.perf_counter() - t0:.2f} s")  # fmt: skip
    users, jobs, actions, weights = data.users, data.jobs, data.actions, data.campaign.weights

    # warm-up: a small slice through both paths
    wu, wj = users[: min(300, len(users))], jobs[: min(3000, len(jobs))]
    run_product(wu, wj, actions, reference, weights, now, a.limit)
    run_reference(wu, wj, a.limit)

    # Alternating rounds, each side's median round counting: one timing of either moved by 20-40% between
    # runs on the shared 2-core machine (single-round ratios 0.69-1.19 of the same code in one hour).
    prof = cProfile.Profile() if a.profile else None
    products, references = [], []
    for _ in range(a.rounds):
        if prof:
            prof.enable()
        products.append(run_product(users, jobs, actions, reference, weights, now, a.limit))
        if prof:
            prof.disable()
        references.append(run_reference(users, jobs, a.limit))
    p_sec, p_setup, p_total, p_scored, p_ranked = sorted(products)[len(products) // 2]
    r_sec, r_feat, _ = sorted(references, key=lambda r: r[0])[len(references) // 2]
    bare_sec = run_bare_gemm(users, jobs, a.limit)

    pairs = len(users) * len(jobs)
    assert p_total == pairs, (p_total, pairs)
    p_rate, r_rate = pairs / p_sec, pairs / r_sec
    print(f"pairs (U x J): {pairs:,}; {a.rounds} alternating rounds, the median of each side shown")
    print(f"rounds, seconds: product {', '.join(f'{r[0]:.3f}' for r in products)}; "
          f"reference {', '.join(f'{r[0]:.3f}' for r in references)}")  # fmt: skip
    print(f"product:   {p_sec:8.3f} s  {p_rate / 1e6:9.2f} M pairs/s  (setup {p_setup:.3f} s: context, signals, "
          f"job table; rank {p_sec - p_setup:.3f} s = {pairs / (p_sec - p_setup) / 1e6:.2f} M pairs/s)")
    print(f"           pairs scored after geographic pre-filter: {p_scored:,} = {p_scored / pairs:.1%} of U x J; "
          f"{p_ranked:,} jobs ranked")
    print(f"reference: {r_sec:8.3f} s  {r_rate / 1e6:9.2f} M pairs/s  (features {r_feat:.3f} s; "
          f"GEMM + top-{a.limit} {r_sec - r_feat:.3f} s = {pairs / (r_sec - r_feat) / 1e6:.2f} M pairs/s)")
    print(f"bare GEMM + top-{a.limit}, no distance (context only): {pairs / bare_sec / 1e6:.2f} M pairs/s")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    print(f"ratio={p_rate / r_rate:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
