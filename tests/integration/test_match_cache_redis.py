"""The matches cache on Redis: two API processes (two MatchCache objects on one server) see each other's
invalidations, and a snapshot kept by one is read by the other."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from adapters.cache.in_process import InProcessCache
from adapters.cache.redis_store import RedisCache, redis_client
from application.match_cache import MatchCache, MatchCacheSettings, MatchItem, MatchSnapshot, new_snapshot_id
from application.ports import Cache

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def snapshot_for(user_id: uuid.UUID, expires_in: timedelta = timedelta(days=3)) -> MatchSnapshot:
    item = MatchItem(uuid.uuid4(), "ホール", "会社", 1300, 70.5, 60.0, 50.0, 50.0, ("自宅から約10分",), 1.2, 10.0,
                     datetime.now(UTC) + expires_in)  # fmt: skip
    return MatchSnapshot(new_snapshot_id(), user_id, NOW, 7, (item,))


@pytest.fixture(params=["in_process", pytest.param("redis", marks=pytest.mark.redis)])
async def shared_cache(request: pytest.FixtureRequest) -> object:
    if request.param == "in_process":
        yield InProcessCache()
        return
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_key_prefix")
    client: Redis = redis_client(url)
    try:
        yield RedisCache(client, prefix=f"{prefix}matches-{uuid.uuid4().hex[:6]}:")
    finally:
        await client.aclose()


async def test_two_processes_share_snapshots_and_invalidations(shared_cache: Cache) -> None:
    one, two = MatchCache(shared_cache, MatchCacheSettings()), MatchCache(shared_cache, MatchCacheSettings())
    user = uuid.uuid4()
    key, found = await one.current(user, datetime.now(UTC))
    assert found is None
    kept = snapshot_for(user)
    await one.keep(key, kept, datetime.now(UTC))
    _, seen = await two.current(user, datetime.now(UTC))
    assert seen == kept  # the whole snapshot survives the round trip (two decoded it: one kept it)
    assert seen is not kept
    await two.user_changed(user)
    assert (await one.current(user, datetime.now(UTC)))[1] is None
    assert await one.snapshot(kept.id, datetime.now(UTC)) == kept  # cursors over it keep working

    key, _ = await one.current(user, datetime.now(UTC))
    await one.keep(key, snapshot_for(user), datetime.now(UTC))
    other = uuid.uuid4()
    key, _ = await one.current(other, datetime.now(UTC))
    await one.keep(key, snapshot_for(other), datetime.now(UTC))
    await two.jobs_changed()
    assert (await one.current(user, datetime.now(UTC)))[1] is None
    assert (await one.current(other, datetime.now(UTC)))[1] is None


async def test_a_change_while_ranking_leaves_the_result_stale(shared_cache: Cache) -> None:
    cache = MatchCache(shared_cache, MatchCacheSettings())
    user = uuid.uuid4()
    key, _ = await cache.current(user, datetime.now(UTC))
    await cache.user_changed(user)  # arrives while the ranking is computed
    await cache.keep(key, snapshot_for(user), datetime.now(UTC))
    assert (await cache.current(user, datetime.now(UTC)))[1] is None


async def test_the_first_expiry_among_listed_jobs_ends_the_current_snapshot(shared_cache: Cache) -> None:
    cache = MatchCache(shared_cache, MatchCacheSettings())
    user = uuid.uuid4()
    key, _ = await cache.current(user, datetime.now(UTC))
    await cache.keep(key, snapshot_for(user, expires_in=timedelta(milliseconds=500)), datetime.now(UTC))
    assert (await cache.current(user, datetime.now(UTC)))[1] is None  # under a second left: not kept as current at all


async def test_a_snapshot_decoded_in_process_ends_with_its_lifetime(shared_cache: Cache) -> None:
    cache = MatchCache(shared_cache, MatchCacheSettings(snapshot_ttl=60))
    user = uuid.uuid4()
    key, _ = await cache.current(user, NOW)
    kept = snapshot_for(user)  # made at NOW
    await cache.keep(key, kept, NOW)
    assert await cache.snapshot(kept.id, NOW + timedelta(seconds=59)) is kept  # decoded once, reused
    assert await cache.snapshot(kept.id, NOW + timedelta(seconds=60)) == kept  # from the shared cache again
    assert await MatchCache(shared_cache, MatchCacheSettings()).snapshot("never-kept", NOW) is None


class CountingCache:
    """The shared cache, counting round trips."""

    def __init__(self, inner: Cache) -> None:
        self.inner = inner
        self.round_trips = 0

    async def get(self, key: str) -> bytes | None:
        self.round_trips += 1
        return await self.inner.get(key)

    async def get_many(self, *keys: str) -> list[bytes | None]:
        self.round_trips += 1
        return await self.inner.get_many(*keys)

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await self.inner.set(key, value, ttl_seconds)

    async def delete(self, *keys: str) -> None:
        await self.inner.delete(*keys)

    async def incr(self, key: str) -> int:
        return await self.inner.incr(key)


async def test_a_hit_reads_both_generations_and_the_current_snapshot_in_one_round_trip(shared_cache: Cache) -> None:
    user = uuid.uuid4()
    counting = CountingCache(shared_cache)
    writer, reader = MatchCache(shared_cache, MatchCacheSettings()), MatchCache(counting, MatchCacheSettings())
    key, _ = await writer.current(user, NOW)
    kept = snapshot_for(user)
    await writer.keep(key, kept, NOW)
    assert await reader.current(user, NOW) == (key, kept)  # generations and current id, then the snapshot
    assert counting.round_trips == 2
    assert await reader.current(user, NOW) == (key, kept)  # then decoded already: one round trip a hit
    assert counting.round_trips == 3
    await writer.jobs_changed()
    assert (await reader.current(user, NOW))[1] is None  # the bumped global counter is seen through the MGET
    await writer.user_changed(user)
    new_key, _ = await reader.current(user, NOW)
    assert new_key == "1:1"


async def test_a_late_ranking_under_old_generations_never_reads_as_current(shared_cache: Cache) -> None:
    cache = MatchCache(shared_cache, MatchCacheSettings())
    user = uuid.uuid4()
    old, _ = await cache.current(user, NOW)  # a slow ranking starts
    await cache.user_changed(user)
    new, _ = await cache.current(user, NOW)  # a fast one starts after the change, and keeps first
    fresh = snapshot_for(user)
    await cache.keep(new, fresh, NOW)
    assert (await cache.current(user, NOW))[1] is fresh
    await cache.keep(old, snapshot_for(user), NOW)  # the slow one finishes: its result is stale
    assert (await cache.current(user, NOW))[1] is None  # a miss (ranked again), never the stale one
    again, _ = await cache.current(user, NOW)
    await cache.keep(again, fresh, NOW)
    assert (await cache.current(user, NOW))[1] is fresh
