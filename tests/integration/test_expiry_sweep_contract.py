"""The expiry sweep's storage: expired jobs by window, dropping a job's stored scores, and the sweep's
watermark, on in-memory, SQLite and PostgreSQL alike."""

from datetime import timedelta

from tests.conftest import UowFactory
from tests.integration.test_repositories_contract import NOW, make_job, score, seed


async def test_expired_between_takes_active_jobs_in_the_half_open_window(uow_factory: UowFactory) -> None:
    at_start, inside, at_end, after = (make_job(expires_at=NOW + timedelta(hours=h)) for h in (0, 1, 2, 3))
    closed = make_job(expires_at=NOW + timedelta(hours=1), is_active=False)
    never = make_job(expires_at=None)
    async with uow_factory() as uow:
        for job in (after, at_end, inside, at_start, closed, never):
            await uow.jobs.add(job)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.jobs.expired_between(NOW, NOW + timedelta(hours=2))
        assert found == [inside.id, at_end.id]  # (after, until], earliest expiry first
        assert await uow.jobs.expired_between(NOW + timedelta(hours=3), NOW + timedelta(hours=9)) == []


async def test_remove_jobs_drops_every_users_scores_of_those_jobs(uow_factory: UowFactory) -> None:
    _, users, jobs = await seed(uow_factory, users=2, jobs=3)
    async with uow_factory() as uow:
        records = [score(user, job, 0.5) for user in users for job in jobs]
        await uow.scores.replace_for_users([u.id for u in users], records)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.scores.remove_jobs([jobs[0].id, jobs[1].id]) == 4
        assert await uow.scores.remove_jobs([jobs[0].id]) == 0
        await uow.commit()
    async with uow_factory() as uow:
        for user in users:
            assert [r.job_id for r in await uow.scores.top_for_user(user.id, 10)] == [jobs[2].id]


async def test_the_watermark_moves_only_from_the_value_read(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.schedule.watermark("jobs:expiry") is None
        assert not await uow.schedule.advance_watermark("jobs:expiry", NOW, NOW + timedelta(hours=1))
        assert await uow.schedule.advance_watermark("jobs:expiry", None, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.schedule.watermark("jobs:expiry") == NOW
        assert not await uow.schedule.advance_watermark("jobs:expiry", None, NOW + timedelta(hours=1))
        assert await uow.schedule.advance_watermark("jobs:expiry", NOW, NOW + timedelta(seconds=5))
        # A second sweeper that read the old mark loses: the window is swept once.
        assert not await uow.schedule.advance_watermark("jobs:expiry", NOW, NOW + timedelta(seconds=9))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.schedule.watermark("jobs:expiry") == NOW + timedelta(seconds=5)
        assert await uow.schedule.watermark("other") is None
    async with uow_factory() as uow:  # not committed: not moved
        assert await uow.schedule.advance_watermark("jobs:expiry", NOW + timedelta(seconds=5), NOW + timedelta(days=1))
    async with uow_factory() as uow:
        assert await uow.schedule.watermark("jobs:expiry") == NOW + timedelta(seconds=5)
