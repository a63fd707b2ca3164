"""Shards, schedule firings and shard-scoped claims: the same contract on in-memory, SQLite, PostgreSQL."""

import uuid
from datetime import timedelta

from domain.campaign import Campaign
from domain.cron import ScheduledFire
from domain.shard import ShardStatus, split_into_shards
from tests.conftest import UowFactory
from tests.integration.test_repositories_contract import NOW, make_delivery, seed


async def test_shards_are_stored_once_per_number_and_read_in_order(uow_factory: UowFactory) -> None:
    run, users, _ = await seed(uow_factory, users=5)
    shards = split_into_shards(run.id, [u.id for u in users], 2)
    async with uow_factory() as uow:
        assert await uow.shards.add_many(list(reversed(shards))) == 3
        await uow.commit()
    again = split_into_shards(run.id, [u.id for u in reversed(users)], 2)  # a racing starter's split
    async with uow_factory() as uow:
        assert await uow.shards.add_many(again) == 0
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.shards.for_run(run.id)
        assert [s.shard_no for s in stored] == [0, 1, 2]
        assert [s.user_ids for s in stored] == [s.user_ids for s in shards]
        assert await uow.shards.get(run.id, 7) is None
        assert (await uow.shards.get_run(run.id)).id == run.id  # type: ignore[union-attr]
        assert await uow.shards.get_run(uuid.uuid4()) is None


async def test_a_finished_shard_keeps_its_counts(uow_factory: UowFactory) -> None:
    run, users, _ = await seed(uow_factory, users=2)
    async with uow_factory() as uow:
        await uow.shards.add_many(split_into_shards(run.id, [u.id for u in users], 1))
        await uow.commit()
    async with uow_factory() as uow:
        shard = await uow.shards.get(run.id, 1)
        assert shard is not None
        shard.finish(NOW, sent=1, skipped=0, failed=0)
        await uow.shards.lock_run(run.id)
        await uow.shards.save(shard)
        await uow.commit()
    async with uow_factory() as uow:
        first, second = await uow.shards.for_run(run.id)
    assert first.status is ShardStatus.QUEUED
    assert second.status is ShardStatus.DONE
    assert (second.sent, second.finished_at) == (1, NOW)


async def test_a_firing_is_recorded_once(uow_factory: UowFactory) -> None:
    fire = ScheduledFire("campaign:daily", NOW, "started", NOW, "2025-04-01")
    async with uow_factory() as uow:
        assert await uow.schedule.record_fire(fire)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.schedule.record_fire(ScheduledFire("campaign:daily", NOW, "missed", NOW))
        assert await uow.schedule.record_fire(ScheduledFire("campaign:daily", NOW + timedelta(days=1), "missed", NOW))
        await uow.commit()
    async with uow_factory() as uow:
        fires = await uow.schedule.fires("campaign:daily")
        assert [(f.fire_at, f.outcome) for f in fires] == [(NOW + timedelta(days=1), "missed"), (NOW, "started")]
        assert await uow.schedule.fires("campaign:other") == []


async def test_claims_and_counts_can_be_limited_to_a_shards_users(uow_factory: UowFactory) -> None:
    run, users, jobs = await seed(uow_factory, users=4)
    async with uow_factory() as uow:
        await uow.deliveries.add_planned([make_delivery(run, u, jobs[:1]) for u in users])
        await uow.commit()
    shard_users = {users[0].id, users[2].id}
    async with uow_factory() as uow:
        claimed = await uow.deliveries.claim_pending(run.id, 10, "w1", NOW, NOW - timedelta(minutes=5), shard_users)
        await uow.commit()
    assert {d.user_id for d in claimed} == shard_users
    async with uow_factory() as uow:
        assert await uow.deliveries.status_counts(run.id, shard_users) == {"pending": 2}
        assert await uow.deliveries.status_counts(run.id, set()) == {}
        assert await uow.deliveries.status_counts(run.id) == {"pending": 4}


async def test_campaigns_are_listed_by_name(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        for name in ("朝", "daily", "weekly"):
            await uow.campaigns.add(Campaign(id=uuid.uuid4(), name=name))
        await uow.commit()
    async with uow_factory() as uow:
        assert [c.name for c in await uow.campaigns.list_all()] == ["daily", "weekly", "朝"]
