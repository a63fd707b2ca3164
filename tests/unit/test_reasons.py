"""Reasons: facts first (commute, wage), then the strengths that added the most points, five at most."""

import uuid
from datetime import UTC, datetime

from domain.job import Job
from domain.scoring.model import FACTOR_INDEX, FACTOR_NAMES, ScoreBreakdown
from domain.scoring.reasons import MAX_REASONS, explain
from domain.user import Preferences


def _job(**overrides: object) -> Job:
    fields: dict[str, object] = dict(
        id=uuid.uuid4(), title="ホール", company_name="喫茶 東", job_type="カフェ", hourly_wage=1350,
        prefecture_code="13", prefecture="東京都", city="渋谷区", industry="7611",
        posted_at=datetime(2025, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    fields.update(overrides)
    return Job(**fields)  # type: ignore[arg-type]


def _score(minutes: float | None, **factors: tuple[float, float]) -> ScoreBreakdown:
    values, points = [0.0] * len(FACTOR_NAMES), [0.0] * len(FACTOR_NAMES)
    for name, (value, point) in factors.items():
        values[FACTOR_INDEX[name]], points[FACTOR_INDEX[name]] = value, point
    return ScoreBreakdown(uuid.uuid4(), 60.0, 50.0, 50.0, 55.0, False, 2.0, minutes, values, points)


def test_commute_and_wage_lead_then_strengths_by_points() -> None:
    score = _score(
        12.4, job_type=(1.0, 4.0), freshness=(0.9, 6.0), similar_users=(0.8, 9.0), schedule=(1.0, 1.0)
    )
    reasons = explain(score, _job(), Preferences(min_hourly_wage=1200))
    assert reasons == [
        "自宅から約12分", "時給1,350円（希望より+150円）", "似た希望の人が注目している求人", "新着の求人",
        "希望職種：カフェ",
    ]  # fmt: skip


def test_equal_points_keep_job_type_then_industry_then_strength_order_and_five_at_most() -> None:
    score = _score(
        None, job_type=(1.0, 3.0), industry=(1.0, 3.0), schedule=(1.0, 3.0), freshness=(0.9, 3.0),
        popularity=(0.9, 3.0),
    )  # fmt: skip
    reasons = explain(score, _job(), Preferences(), lambda code: "飲食店" if code == "7611" else None)
    assert len(reasons) == MAX_REASONS
    assert reasons == [
        "時給1,350円", "希望職種：カフェ", "希望業種：飲食店", "希望の曜日・時間帯にぴったり", "新着の求人",
    ]  # fmt: skip


def test_weak_or_pointless_factors_give_no_reason_and_a_met_wish_says_so() -> None:
    score = _score(5.0, freshness=(0.5, 6.0), popularity=(0.9, 0.0))
    assert explain(score, _job(hourly_wage=1200), Preferences(min_hourly_wage=1200)) == [
        "自宅から約5分", "時給1,200円（希望どおり）",
    ]  # fmt: skip
