"""Demo data: deterministic per seed, built from real reference data, and labelled as generated."""

from datetime import UTC, datetime, timedelta

import pytest

from adapters.reference_data import BundledReferenceData
from application.demo_data import JOB_TYPES, DemoData, build_demo_data
from domain.jst import jst_date

NOW = datetime(2025, 11, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def reference() -> BundledReferenceData:
    return BundledReferenceData()


@pytest.fixture(scope="module")
def demo(reference: BundledReferenceData) -> DemoData:
    return build_demo_data(reference, users=500, jobs=1000, seed=11, now=NOW)


def test_same_seed_same_data(reference: BundledReferenceData, demo: DemoData) -> None:
    again = build_demo_data(reference, users=500, jobs=1000, seed=11, now=NOW)
    assert _fingerprint(again) == _fingerprint(demo)
    other = build_demo_data(reference, users=500, jobs=1000, seed=12, now=NOW)
    assert [j.title for j in other.jobs] != [j.title for j in demo.jobs]


def _fingerprint(data: DemoData) -> tuple[list[object], ...]:
    return (
        [(u.id, u.email, u.full_name, u.address.postal_code if u.address else None) for u in data.users],
        [(j.id, j.title, j.hourly_wage, j.station_code) for j in data.jobs],
        [(a.id, a.user_id, a.job_id, a.kind, a.occurred_at) for a in data.actions],
    )


def test_every_wage_is_at_least_the_legal_minimum(reference: BundledReferenceData, demo: DemoData) -> None:
    table = reference.minimum_wages()
    for job in demo.jobs:
        legal = table.in_force(job.prefecture_code, jst_date(NOW))
        assert legal is not None
        assert job.hourly_wage >= legal
        assert job.hourly_wage % 10 == 0


def test_jobs_are_at_real_stations_and_labelled(reference: BundledReferenceData, demo: DemoData) -> None:
    for job in demo.jobs:
        station = reference.station(job.station_code or "")
        assert station is not None
        assert (job.latitude, job.longitude) == (station.point.latitude, station.point.longitude)
        assert job.prefecture_code == station.prefecture_code
        assert job.generated
        assert "生成" in job.description
        assert job.job_type in JOB_TYPES
        assert job.industry is None or reference.industry(job.industry) is not None
        assert 1 <= (job.walking_minutes or 0) <= 15
        assert NOW - timedelta(days=30) <= job.posted_at <= NOW
        assert job.expires_at is not None
        assert timedelta(days=7) <= job.expires_at - NOW <= timedelta(days=61)


def test_some_jobs_lack_optional_data(demo: DemoData) -> None:
    sparse = [j for j in demo.jobs if j.industry is None and j.work_days == 0 and j.work_start_time is None]
    assert 0 < len(sparse) < len(demo.jobs) * 0.1


def test_users_live_at_real_postal_codes(reference: BundledReferenceData, demo: DemoData) -> None:
    for user in demo.users:
        assert user.address is not None
        point = reference.postal_point(user.address.postal_code or "")
        assert point is not None
        home = user.home_point
        assert home == point.point
        assert user.email.endswith("@example.jp")
        assert (user.external_id or "").startswith("demo-")
        wishes = user.wishes
        assert 1 <= len(wishes.job_types) <= 3
        assert set(wishes.job_types) <= set(JOB_TYPES)
        assert 20 <= (wishes.max_commute_minutes or 0) <= 90


def test_job_type_industries_are_real_codes(reference: BundledReferenceData) -> None:
    for spec in JOB_TYPES.values():
        assert all(reference.industry(code) is not None for code in spec.industries)


def test_about_forty_percent_start_cold(demo: DemoData) -> None:
    acting = {a.user_id for a in demo.actions}
    assert 0.45 <= len(acting) / len(demo.users) <= 0.7
    jobs = {j.id: j for j in demo.jobs}
    for action in demo.actions:
        assert jobs[action.job_id].posted_at <= action.occurred_at <= NOW


def test_one_daily_campaign(demo: DemoData) -> None:
    assert demo.campaign.name == "daily"
    assert demo.campaign.weights.basic == 0.5


def test_empty_sizes(reference: BundledReferenceData) -> None:
    empty = build_demo_data(reference, users=0, jobs=0, seed=1, now=NOW)
    assert (empty.users, empty.jobs, empty.actions) == ([], [], [])


async def test_store_demo_data_keeps_everything_in_one_transaction(reference: BundledReferenceData) -> None:
    from adapters.in_memory import InMemoryUnitOfWork
    from application.demo_data import store_demo_data
    from domain.scoring.model import HISTORY_DAYS

    now = datetime(2026, 12, 3, tzinfo=UTC)
    data = build_demo_data(reference, 30, 40, 3, now)
    uow = InMemoryUnitOfWork()
    await store_demo_data(uow, data)
    async with uow:
        assert await uow.campaigns.by_name("daily") is not None
        assert len(await uow.jobs.list_open(now)) == sum(1 for j in data.jobs if j.is_open_at(now))
        assert len(await uow.users.list_audience()) == sum(1 for u in data.users if u.is_active and u.email_opt_in)
        assert len(await uow.actions.events_since(now - timedelta(days=HISTORY_DAYS))) == len(data.actions)
    assert uow.commits == 1
