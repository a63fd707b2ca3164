"""The batch scorer gives the same numbers and the same ranking as the one-pair path."""

import uuid
from datetime import time, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from domain.action import Action, ActionKind
from domain.ranking import cap_per_company, order_key
from domain.scoring.batch import BatchScorer, RankRequest
from domain.scoring.pairwise import exclusion, score_pair
from domain.scoring.signals import build_signals
from domain.scoring.tables import build_job_table
from tests.unit.scoring.factories import NOW, context, job, user

TYPES = ["カフェ", "ｶﾌｪ", "コンビニ", "倉庫・軽作業", ""]
INDUSTRIES = ["7671", "5891", "82", "M", None]
lat = st.floats(35.4, 35.9)
lon = st.floats(139.4, 140.0)

jobs_st = st.lists(
    st.builds(
        lambda la, lo, wage, kind, ind, company, views, apps, age, walk, days, start: job(
            latitude=la, longitude=lo, hourly_wage=wage, job_type=kind, industry=ind, company_name=company,
            view_count=views, application_count=min(apps, views), posted_at=NOW - timedelta(days=age),
            walking_minutes=walk, work_days=days, work_start_time=time(start) if days else None,
            work_end_time=time((start + 6) % 24) if days else None,
        ),
        lat, lon, st.sampled_from([1100, 1226, 1250, 1300, 1600]), st.sampled_from(TYPES),
        st.sampled_from(INDUSTRIES), st.sampled_from(["A社", "Ｂ社", "B社", "C"]), st.integers(0, 500),
        st.integers(0, 60), st.floats(0, 40), st.one_of(st.none(), st.integers(0, 20)),
        st.integers(0, 127), st.integers(0, 23),
    ),
    min_size=1,
    max_size=40,
)
users_st = st.lists(
    st.builds(
        lambda la, lo, types, inds, limit, wage, avail: user(
            la, lo, job_types=types, industries=inds, max_commute_minutes=limit, min_hourly_wage=wage,
            availability=avail,
        ),
        st.one_of(st.none(), lat), lon, st.lists(st.sampled_from(TYPES[:4]), max_size=2),
        st.lists(st.sampled_from(["76", "M", "58", "7671"]), max_size=2),
        st.one_of(st.none(), st.integers(10, 120)), st.one_of(st.none(), st.sampled_from([1200, 1300])),
        st.sampled_from([{}, {"mon": [["09:00", "18:00"]], "sat": [["22:00", "05:00"]]}]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking these inputs takes minutes
)
@given(jobs=jobs_st, users=users_st, data=st.data())
def test_batch_scores_and_ranks_like_the_pairwise_path(jobs, users, data) -> None:
    actions = [
        Action(data.draw(st.sampled_from(users)).id, data.draw(st.sampled_from(jobs)).id,
               data.draw(st.sampled_from(list(ActionKind))), NOW - timedelta(days=data.draw(st.floats(0, 80))))
        for _ in range(data.draw(st.integers(0, 30)))
    ]  # fmt: skip
    mailed = {users[0].id: {jobs[0].id}}
    limit, cap = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 3))
    ctx = context(jobs)
    signals = build_signals(users, actions, {j.id: j for j in jobs}, NOW)
    scorer = BatchScorer(build_job_table(jobs, ctx), signals, ctx)
    results = list(scorer.rank(users, RankRequest(limit, cap), mailed, chunk_users=data.draw(st.integers(1, 5))))
    batch = {u.id: ranked for r in results for u, ranked in zip(r.users, r.ranked, strict=True)}
    assert batch.keys() == {u.id for u in users}
    for u in users:
        profile, similar = signals.profile(u.id), signals.similar(u.id)
        allowed = [j for j in jobs if exclusion(u, profile, j, ctx, mailed.get(u.id, set())) is None]
        scored = sorted(
            ((score_pair(u, profile, similar, j, ctx), j) for j in allowed),
            key=lambda sj: order_key(sj[0].total, sj[1].posted_at, sj[1].id),
        )
        expected = cap_per_company(scored, lambda sj: sj[1].company_name, cap, limit)
        got = batch[u.id]
        assert [s.job_id for s, _ in expected] == [s.job_id for s in got]
        for (want, _), have in zip(expected, got, strict=True):
            for a, b in zip(want.factors, have.factors, strict=True):
                assert a.name == b.name
                assert abs(a.value - b.value) < 1e-9
                assert abs(a.contribution - b.contribution) < 1e-9
            for field in ("basic", "seo", "personalized", "total"):
                assert abs(getattr(want, field) - getattr(have, field)) < 1e-9
            assert 0.0 <= have.total <= 100.0
            assert want.cold_start == have.cold_start
            for field in ("distance_km", "commute_minutes"):  # the mail's 「約N分」 comes from these
                a, b = getattr(want, field), getattr(have, field)
                assert (a is None) == (b is None)
                assert a is None or abs(a - b) < 1e-9


def test_unknown_ids_in_signals_are_ignored() -> None:
    jobs = [job()]
    users = [user()]
    ctx = context(jobs)
    stray = Action(users[0].id, uuid.uuid4(), ActionKind.APPLY, NOW)
    signals = build_signals(users, [stray], {}, NOW)
    result = next(BatchScorer(build_job_table(jobs, ctx), signals, ctx).rank(users, RankRequest(5, 2)))
    assert [s.job_id for s in result.ranked[0]] == [jobs[0].id]
