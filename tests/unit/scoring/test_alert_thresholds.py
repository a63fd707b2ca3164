"""Per-user alert thresholds on the batch path: ranking a group at its lowest threshold and keeping what
reaches each user's own gives what ranking each user alone at their threshold gives, and what the one-pair
path gives (so the batch/one-user equality holds with thresholds too)."""

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from domain.alerts import at_or_above
from domain.ranking import cap_per_company, order_key
from domain.scoring.batch import BatchScorer, RankRequest
from domain.scoring.pairwise import exclusion, score_pair
from domain.scoring.signals import build_signals
from domain.scoring.tables import build_job_table
from tests.unit.scoring.factories import NOW, context
from tests.unit.scoring.test_batch_equals_pairwise import jobs_st, users_st


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(jobs=jobs_st, users=users_st, data=st.data())
def test_ranking_at_the_lowest_threshold_then_filtering_equals_ranking_each_user_at_theirs(jobs, users, data) -> None:
    thresholds = {u.id: data.draw(st.floats(0.0, 100.0)) for u in users}
    limit, cap = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3))
    ctx = context(jobs)
    signals = build_signals(users, [], {j.id: j for j in jobs}, NOW)
    scorer = BatchScorer(build_job_table(jobs, ctx), signals, ctx)
    lowest = RankRequest(limit, cap, min(thresholds.values()))
    batch = {u.id: at_or_above(r, thresholds[u.id]) for res in scorer.rank(users, lowest)
             for u, r in zip(res.users, res.ranked, strict=True)}  # fmt: skip
    for u in users:
        alone = scorer.rank_chunk([u], RankRequest(limit, cap, thresholds[u.id]), {})
        assert [s.job_id for s in batch[u.id]] == [s.job_id for s in alone.ranked[0]]
        assert (alone.eligible[0] > 0) == bool(batch[u.id])  # eligible users are counted alike
        profile, similar = signals.profile(u.id), signals.similar(u.id)
        scored = sorted(
            (
                (score_pair(u, profile, similar, j, ctx), j)
                for j in jobs
                if exclusion(u, profile, j, ctx, set()) is None
            ),
            key=lambda sj: order_key(sj[0].total, sj[1].posted_at, sj[1].id),
        )
        reaching = [sj for sj in scored if sj[0].total >= thresholds[u.id]]
        expected = cap_per_company(reaching, lambda sj: sj[1].company_name, cap, limit)
        assert [s.job_id for s, _ in expected] == [s.job_id for s in batch[u.id]]
