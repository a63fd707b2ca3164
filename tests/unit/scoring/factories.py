"""Small builders of domain objects for scoring tests."""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from domain.campaign import ScoreWeights
from domain.job import Job
from domain.reference import MinimumWage, MinimumWageTable
from domain.scoring.context import ScoringContext, build_context
from domain.user import Address, Preferences, User

NOW = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
WAGES = MinimumWageTable(
    (
        MinimumWage("13", 2024, 1163, date(2024, 10, 1)),
        MinimumWage("13", 2025, 1226, date(2025, 10, 3)),
        MinimumWage("14", 2025, 1225, date(2025, 10, 4)),
    )
)
MAJORS = {"76": "M", "77": "M", "58": "I", "60": "I", "82": "O"}


def job(**overrides: object) -> Job:
    fields: dict[str, object] = dict(
        id=uuid.uuid4(), title="カフェスタッフ", company_name="株式会社テスト", job_type="カフェ",
        hourly_wage=1300, prefecture_code="13", prefecture="東京都", city="渋谷区",
        posted_at=NOW - timedelta(days=2), expires_at=NOW + timedelta(days=10), latitude=35.658, longitude=139.7016,
        walking_minutes=5, industry="7671", work_days=0b0011111, work_start_time=time(9), work_end_time=time(17),
    )  # fmt: skip
    fields.update(overrides)
    return Job(**fields)  # type: ignore[arg-type]


def user(lat: float | None = 35.6895, lon: float | None = 139.6917, **prefs: object) -> User:
    address = None
    if lat is not None and lon is not None:
        address = Address(prefecture_code="13", prefecture="東京都", city="新宿区", latitude=lat, longitude=lon)
    return User(id=uuid.uuid4(), email="a@example.jp", address=address, preferences=Preferences(**prefs))  # type: ignore[arg-type]


def context(jobs: list[Job], weights: ScoreWeights | None = None, now: datetime = NOW) -> ScoringContext:
    return build_context(jobs, now, WAGES, weights or ScoreWeights(), MAJORS)
