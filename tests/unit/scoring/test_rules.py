"""The scoring contract's rules, one by one, on the one-pair path (the batch path is held equal to it)."""

import uuid
from datetime import date, timedelta

from domain.action import Action, ActionKind
from domain.campaign import ScoreWeights
from domain.jst import end_of_day_jst
from domain.ranking import order_key
from domain.scoring.pairwise import Exclusion, exclusion, score_pair
from domain.scoring.signals import UserProfile, build_signals
from tests.unit.scoring.factories import NOW, context, job, user


def test_a_user_without_history_gets_the_neutral_personal_score_and_its_weight_moves() -> None:
    cold, warm = user(job_types=["カフェ"]), user(job_types=["カフェ"])
    target = job()
    # the warm user, in the same cohort, acted on the job: similar users' signal exists for the cold one too
    signals = build_signals([cold, warm], [Action(warm.id, target.id, ActionKind.APPLY, NOW)], {target.id: target}, NOW)
    ctx = context([target], ScoreWeights(basic=0.5, seo=0.2, personalized=0.3))
    scored = score_pair(cold, signals.profile(cold.id), signals.similar(cold.id), target, ctx)
    assert scored.cold_start
    assert scored.personalized == 50.0
    assert abs(scored.total - (0.5 * scored.basic + 0.2 * scored.seo) / 0.7) < 1e-9


def test_every_score_is_finite_and_within_0_100_and_missing_data_is_neutral() -> None:
    bare = user(None, None)  # no home, no wishes
    posting = job(industry=None, work_days=0, walking_minutes=None)
    scored = score_pair(bare, UserProfile(), {}, posting, context([posting]))
    for name in ("commute", "wage", "job_type", "industry", "schedule"):
        assert scored.factor(name).value == 0.5, name
    for value in (scored.basic, scored.seo, scored.personalized, scored.total):
        assert 0.0 <= value <= 100.0


def test_the_legal_minimum_in_force_on_the_run_date_is_applied() -> None:
    posting = job(hourly_wage=1200)  # Tokyo: 1163 until 2025-10-02, 1226 from 2025-10-03
    seeker = user()
    before = context([posting], now=end_of_day_jst(date(2025, 10, 1)))
    after = context([posting], now=end_of_day_jst(date(2025, 10, 2)))
    relaxed = job(hourly_wage=1200, expires_at=None)
    assert exclusion(seeker, UserProfile(), relaxed, before) is None
    assert exclusion(seeker, UserProfile(), relaxed, after) == Exclusion.BELOW_LEGAL_MINIMUM


def test_a_job_is_open_through_the_whole_of_its_last_day_in_japan() -> None:
    last_day = date(2026, 12, 3)
    posting = job(expires_at=end_of_day_jst(last_day))
    seeker = user()
    late_evening_jst = end_of_day_jst(last_day) - timedelta(minutes=1)
    assert exclusion(seeker, UserProfile(), posting, context([posting], now=late_evening_jst)) is None
    assert exclusion(seeker, UserProfile(), posting, context([posting], now=end_of_day_jst(last_day))) == "closed"


def test_job_types_are_compared_after_nfkc() -> None:
    posting = job(job_type="ｶﾌｪ")
    scored = score_pair(user(job_types=["カフェ"]), UserProfile(), {}, posting, context([posting]))
    assert scored.factor("job_type").value == 1.0


def test_one_view_and_one_application_do_not_beat_a_proven_listing() -> None:
    new = job(view_count=1, application_count=1)
    proven = job(view_count=500, application_count=50)
    ctx = context([new, proven])
    seeker = user()
    fresh = score_pair(seeker, UserProfile(), {}, new, ctx).factor("popularity").value
    solid = score_pair(seeker, UserProfile(), {}, proven, ctx).factor("popularity").value
    assert solid > fresh


def test_ties_break_on_newest_posting_then_job_id() -> None:
    older, newer = job(posted_at=NOW - timedelta(days=3)), job(posted_at=NOW - timedelta(days=1))
    same_time = sorted([uuid.UUID(int=2), uuid.UUID(int=1)], key=str)
    assert order_key(50.0, newer.posted_at, newer.id) < order_key(50.0, older.posted_at, older.id)
    assert order_key(50.0, NOW, same_time[0]) < order_key(50.0, NOW, same_time[1])
    assert order_key(51.0, older.posted_at, older.id) < order_key(50.0, newer.posted_at, newer.id)


def test_out_of_reach_and_below_the_wish_are_never_sent() -> None:
    far = job(latitude=34.70, longitude=135.50)  # Osaka, from a Shinjuku home
    cheap = job(hourly_wage=1250)
    seeker = user(max_commute_minutes=45, min_hourly_wage=1300)
    ctx = context([far, cheap])
    assert exclusion(user(max_commute_minutes=45), UserProfile(), far, ctx) == Exclusion.OUT_OF_REACH
    assert exclusion(seeker, UserProfile(), cheap, ctx) == Exclusion.BELOW_USER_MINIMUM
