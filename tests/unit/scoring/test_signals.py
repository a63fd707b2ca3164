"""The column-wise signals builder says what a plain per-action reading of the same history says."""

import math
import uuid
from collections import defaultdict
from datetime import UTC, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.action import ACTION_WEIGHTS, Action, ActionEvent, ActionKind
from domain.scoring.model import DECAY_DAYS
from domain.scoring.signals import Rows, build_signals, cohort_key, industry_middle
from domain.scoring.tables import SignalView, build_job_table
from domain.text import normalize
from tests.unit.scoring.factories import NOW, context, job, user

TYPES = ["カフェ", "ｶﾌｪ", "コンビニ", ""]
INDUSTRIES = ["7671", "5891", "M", None]


def plainly(users, actions, jobs, now):
    """One action at a time into dictionaries: the definition the builder must agree with."""
    cohort_of = {u.id: cohort_key(u) for u in users}
    interest, types, middles = defaultdict(dict), defaultdict(dict), defaultdict(dict)
    excluded, cohort_jobs = defaultdict(set), defaultdict(dict)
    for a in actions:
        moment = a.occurred_at if a.occurred_at.tzinfo else a.occurred_at.replace(tzinfo=UTC)
        age_days = max(0.0, (now - moment).total_seconds() / 86400.0)
        weight = ACTION_WEIGHTS[a.kind] * math.exp(-age_days / DECAY_DAYS)
        if a.kind in (ActionKind.APPLY, ActionKind.DISMISS):
            excluded[a.user_id].add(a.job_id)
        interest[a.user_id][a.job_id] = interest[a.user_id].get(a.job_id, 0.0) + weight
        known = jobs.get(a.job_id)
        if known is not None:
            if kind := normalize(known.job_type):
                types[a.user_id][kind] = types[a.user_id].get(kind, 0.0) + weight
            if (middle := industry_middle(known.industry)) is not None:
                middles[a.user_id][middle] = middles[a.user_id].get(middle, 0.0) + weight
        if a.user_id in cohort_of:
            bucket = cohort_jobs[cohort_of[a.user_id]]
            bucket[a.job_id] = bucket.get(a.job_id, 0.0) + weight
    return interest, types, middles, excluded, cohort_of, cohort_jobs


def assert_close(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-12), (key, got[key], value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_profiles_and_cohorts_match_a_plain_reading_of_the_history(data) -> None:
    jobs = [job(job_type=data.draw(st.sampled_from(TYPES)), industry=data.draw(st.sampled_from(INDUSTRIES)))
            for _ in range(data.draw(st.integers(1, 6)))]  # fmt: skip
    users = [user(job_types=data.draw(st.lists(st.sampled_from(TYPES[:3]), max_size=2)))
             for _ in range(data.draw(st.integers(1, 5)))]  # fmt: skip
    strangers = [uuid.uuid4()]  # acted, but not in the audience: a profile, no cohort
    closed = [uuid.uuid4()]  # a job no longer known: interest and exclusion, no type or industry
    known = {j.id: j for j in jobs[: data.draw(st.integers(0, len(jobs)))]}
    actions = []
    for _ in range(data.draw(st.integers(0, 40))):
        moment = NOW - timedelta(days=data.draw(st.floats(-2, 90)))
        naive = data.draw(st.booleans())  # SQLite gives naive UTC
        event = (Action, ActionEvent)[data.draw(st.integers(0, 1))]
        actions.append(event(
            data.draw(st.sampled_from([u.id for u in users] + strangers)),
            data.draw(st.sampled_from([j.id for j in jobs] + closed)),
            data.draw(st.sampled_from(list(ActionKind))),
            moment.replace(tzinfo=None) if naive else moment,
        ))  # fmt: skip
    signals = build_signals(users, iter(actions), known, NOW)
    interest, types, middles, excluded, cohort_of, cohort_jobs = plainly(users, actions, known, NOW)
    for someone in [u.id for u in users] + strangers:
        profile = signals.profile(someone)
        assert profile.has_history == (someone in interest)
        assert_close(profile.job_interest, interest.get(someone, {}))
        assert_close(profile.type_affinity, types.get(someone, {}))
        assert_close(profile.industry_affinity, middles.get(someone, {}))
        assert profile.excluded == excluded.get(someone, set())
        assert_close(dict(signals.similar(someone)), cohort_jobs.get(cohort_of.get(someone), {}))

    # The batch view of the same signals: table positions, one row per user, in the users' order.
    listed = jobs[data.draw(st.integers(0, len(jobs) - 1)) :]  # open today: known-but-closed jobs are left out
    table = build_job_table(listed, context(listed))
    view = SignalView.of(table, signals)

    def laid_out(taken) -> dict:
        at, positions, values = taken
        laid = defaultdict(dict)
        for r, p, v in zip(at.tolist(), positions.tolist(), values.tolist(), strict=True):
            laid[users[r].id][table.jobs[p].id] = v
        return laid

    def on_table(weights: dict) -> dict:
        return {j: v for j, v in weights.items() if j in table.index}

    rows = signals.rows_of(users)
    got_interest, got_excluded = laid_out(view.interest.take(rows)), laid_out(view.excluded.take(rows))
    got_similar = laid_out(view.cohort_jobs.take(signals.cohorts_of(users)))
    for u in users:
        assert_close(got_interest.get(u.id, {}), on_table(interest.get(u.id, {})))
        assert set(got_excluded.get(u.id, {})) == set(on_table(dict.fromkeys(excluded.get(u.id, set()))))
        assert_close(got_similar.get(u.id, {}), on_table(cohort_jobs.get(cohort_of[u.id], {})))
    # Type and industry columns name the table's codes of the same normalised names, -1 for none open.
    type_name = {code: name for name, code in table.type_vocab.items()}
    middle_name = {code: name for name, code in table.middle_vocab.items()}
    for name, code in zip(signals.type_names, view.type_code.tolist(), strict=True):
        assert type_name.get(code) == (name if any(normalize(j.job_type) == name for j in listed) else None)
    for name, code in zip(signals.middle_names, view.middle_code.tolist(), strict=True):
        assert middle_name.get(code) == (name if any(industry_middle(j.industry) == name for j in listed) else None)


def test_rows_take_and_remap() -> None:
    rows = Rows.summed(np.array([2, 0, 2, 2]), np.array([5, 1, 3, 5]), np.array([1.0, 2.0, 3.0, 4.0]), 3, 6)
    assert rows.ptr.tolist() == [0, 1, 1, 3]
    assert (rows.cols.tolist(), rows.vals.tolist()) == ([1, 3, 5], [2.0, 3.0, 5.0])
    at, cols, vals = rows.take(np.array([2, -1, 1, 0]))
    assert (at.tolist(), cols.tolist(), vals.tolist()) == ([0, 0, 3], [3, 5, 1], [3.0, 5.0, 2.0])
    moved = rows.remap(np.array([-1, 9, -1, 4, -1, 0]))  # col 1 -> 9, 3 -> 4, 5 -> 0, re-sorted per row
    assert (moved.ptr.tolist(), moved.cols.tolist(), moved.vals.tolist()) == ([0, 1, 1, 3], [9, 0, 4],
                                                                               [2.0, 5.0, 3.0])  # fmt: skip
    assert [a.tolist() for a in Rows.empty(0).take(np.array([-1, -1]))] == [[], [], []]


def test_no_history_at_all() -> None:
    users = [user()]
    signals = build_signals(users, [], {}, NOW)
    assert not signals.profile(users[0].id).has_history
    assert signals.similar(users[0].id) == {}
    assert signals.rows_of(users).tolist() == [-1]


def test_naive_moments_are_utc_whatever_the_machine_zone(monkeypatch) -> None:
    """SQLite hands back naive UTC: an action an hour old is an hour old on a machine set to Tokyo time."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        users, posting = [user()], job()
        hour_ago = (NOW - timedelta(hours=1)).replace(tzinfo=None)
        signals = build_signals(users, [Action(users[0].id, posting.id, ActionKind.VIEW, hour_ago)], {}, NOW)
        want = ACTION_WEIGHTS[ActionKind.VIEW] * math.exp(-1 / 24 / DECAY_DAYS)
        assert math.isclose(signals.profile(users[0].id).job_interest[posting.id], want, rel_tol=1e-12)
    finally:
        monkeypatch.undo()
        time.tzset()
