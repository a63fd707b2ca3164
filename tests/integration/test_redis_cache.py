"""RedisCache against a real Redis (MAILSCORE_TEST_REDIS_URL); every key under the session prefix."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.cache import RedisCache, redis_client

pytestmark = pytest.mark.redis


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    redis = redis_client(redis_url)
    yield redis
    await redis.aclose()


@pytest.fixture
def cache(client: Redis, redis_key_prefix: str) -> RedisCache:
    return RedisCache(client, f"{redis_key_prefix}cache:")


async def test_round_trip_of_bytes(cache: RedisCache) -> None:
    value = "渋谷駅 徒歩5分".encode() + b"\x00\xff"
    await cache.set("api:jobs:1", value, ttl_seconds=300)
    assert await cache.get("api:jobs:1") == value
    assert await cache.get("api:jobs:missing") is None


async def test_get_many_reads_several_keys_in_one_call(cache: RedisCache) -> None:
    await cache.set("a", b"1", 60)
    await cache.incr("n")
    assert await cache.get_many("n", "missing", "a") == [b"1", None, b"1"]
    assert await cache.get_many() == []


async def test_ttl_is_applied(cache: RedisCache, client: Redis, redis_key_prefix: str) -> None:
    await cache.set("scores:u1", b"x", ttl_seconds=86400)
    pttl = await client.pttl(f"{redis_key_prefix}cache:scores:u1")
    assert 86_390_000 < pttl <= 86_400_000


async def test_value_is_gone_after_its_ttl(cache: RedisCache) -> None:
    await cache.set("short", b"x", ttl_seconds=1)
    await asyncio.sleep(1.1)
    assert await cache.get("short") is None


async def test_delete_and_incr(cache: RedisCache, client: Redis, redis_key_prefix: str) -> None:
    await cache.set("a", b"1", 60)
    await cache.set("b", b"2", 60)
    await cache.delete("a", "b", "never-set")
    await cache.delete()
    assert await cache.get("a") is None
    assert await cache.get("b") is None
    assert await cache.incr("version:jobs") == 1
    assert await cache.incr("version:jobs") == 2
    assert await cache.get("version:jobs") == b"2"
    assert await client.pttl(f"{redis_key_prefix}cache:version:jobs") == -1  # counters do not expire
    await cache.set("text", b"abc", 60)
    with pytest.raises(ValueError, match="not an integer"):
        await cache.incr("text")


async def test_prefixes_isolate_namespaces(client: Redis, redis_key_prefix: str) -> None:
    one = RedisCache(client, f"{redis_key_prefix}one:")
    two = RedisCache(client, f"{redis_key_prefix}two:")
    await one.set("k", b"from one", 60)
    assert await two.get("k") is None
    await two.set("k", b"from two", 60)
    await two.delete("k")
    assert await one.get("k") == b"from one"
    assert await client.get(f"{redis_key_prefix}one:k") == b"from one"


async def test_a_decoding_client_is_refused(redis_url: str, redis_key_prefix: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        cache = RedisCache(redis, f"{redis_key_prefix}decoding:")
        await cache.set("k", b"v", 60)
        with pytest.raises(TypeError, match="decode_responses=False"):
            await cache.get("k")
    finally:
        await redis.aclose()
