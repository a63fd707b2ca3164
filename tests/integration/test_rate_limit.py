"""RedisRateLimiter against a real Redis: exact budgets, roll-over, one budget across processes."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.cache import RedisRateLimiter, redis_client
from application.ports import RateDecision
from tests.unit.rate_limiter_contract import check_a_request_counts_in_every_budget_or_in_none

pytestmark = pytest.mark.redis


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two clients with their own connection pools: two app processes, as far as Redis can tell."""
    first, second = redis_client(redis_url), redis_client(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


@pytest.fixture
def prefix(redis_key_prefix: str, request: pytest.FixtureRequest) -> str:
    return f"{redis_key_prefix}rl:{request.node.name}:"


async def test_n_allowed_then_denied_with_retry_after(clients: tuple[Redis, Redis], prefix: str) -> None:
    limiter = RedisRateLimiter(clients[0], prefix)
    decisions = [await limiter.hit("ip:203.0.113.7", limit=5, window_seconds=60) for _ in range(5)]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0]
    assert all(d.allowed and d.retry_after_seconds == 0 for d in decisions)
    denied = await limiter.hit("ip:203.0.113.7", 5, 60)
    assert not denied.allowed
    assert denied.remaining == 0
    assert 59 <= denied.retry_after_seconds <= 60
    assert (await limiter.hit("ip:198.51.100.1", 5, 60)).allowed  # another key, another budget


async def test_window_rolls_over(clients: tuple[Redis, Redis], prefix: str) -> None:
    limiter = RedisRateLimiter(clients[0], prefix)
    assert (await limiter.hit("k", 2, 1)).allowed
    assert (await limiter.hit("k", 2, 1)).allowed
    assert await limiter.hit("k", 2, 1) == RateDecision(False, 2, 0, 1)
    await asyncio.sleep(1.05)
    assert await limiter.hit("k", 2, 1) == RateDecision(True, 2, 1, 0)


async def test_retry_after_is_when_the_oldest_hit_leaves(clients: tuple[Redis, Redis], prefix: str) -> None:
    limiter = RedisRateLimiter(clients[0], prefix)
    assert (await limiter.hit("k", 2, 2)).allowed
    await asyncio.sleep(1.2)
    assert (await limiter.hit("k", 2, 2)).allowed
    assert (await limiter.hit("k", 2, 2)).retry_after_seconds == 1  # the first hit leaves ~0.8 s from now
    await asyncio.sleep(0.9)
    assert (await limiter.hit("k", 2, 2)).allowed
    assert (await limiter.hit("k", 2, 2)).retry_after_seconds in (1, 2)  # the second hit leaves ~1.1 s on


async def test_two_processes_share_one_budget(clients: tuple[Redis, Redis], prefix: str) -> None:
    first, second = RedisRateLimiter(clients[0], prefix), RedisRateLimiter(clients[1], prefix)
    assert all([(await first.hit("global", 10, 60)).allowed for _ in range(6)])
    assert all([(await second.hit("global", 10, 60)).allowed for _ in range(4)])
    eleventh = await second.hit("global", 10, 60)
    assert not eleventh.allowed
    assert eleventh.retry_after_seconds >= 1
    assert not (await first.hit("global", 10, 60)).allowed


async def test_concurrent_hits_from_two_processes_never_overspend(clients: tuple[Redis, Redis], prefix: str) -> None:
    first, second = RedisRateLimiter(clients[0], prefix), RedisRateLimiter(clients[1], prefix)
    hits = [limiter.hit("ip:1.2.3.4", 60, 60) for _ in range(50) for limiter in (first, second)]
    decisions = await asyncio.gather(*hits)
    assert sum(d.allowed for d in decisions) == 60
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(60))


async def test_log_expires_with_its_window(clients: tuple[Redis, Redis], prefix: str) -> None:
    await RedisRateLimiter(clients[0], prefix).hit("user:u1", 1000, 3600)
    ttl = await clients[0].ttl(f"{prefix}user:u1")
    assert 3590 < ttl <= 3600


async def test_several_budgets_count_a_request_in_all_or_none(clients: tuple[Redis, Redis], prefix: str) -> None:
    await check_a_request_counts_in_every_budget_or_in_none(RedisRateLimiter(clients[0], prefix))


async def test_keys_read_ahead_ride_in_the_script_and_answer_the_cache_once(
    clients: tuple[Redis, Redis], prefix: str
) -> None:
    from adapters.cache import RedisCache

    cache = RedisCache(clients[1], f"{prefix}cache:")
    limiter = RedisRateLimiter(clients[0], prefix, read_ahead=cache.read_ahead)
    await cache.set("a", b"1", 60)
    cache.read_ahead.expect(["a", "missing"])
    assert (await limiter.hit("k", 2, 60)).allowed
    await cache.set("a", b"2", 60)  # written after the check: the read-ahead has the value at the check
    assert await cache.get_many("a", "missing") == [b"1", None]
    assert await cache.get_many("a", "missing") == [b"2", None]  # once only; then from Redis again
    cache.read_ahead.expect(["a"])
    assert (await limiter.hit("k", 2, 60)).allowed
    assert await cache.get_many("a", "b") == [b"2", None]  # other keys than read ahead: from Redis
    cache.read_ahead.expect(["a"])
    denied = await limiter.hit("k", 2, 60)  # refused: the budget counts as before
    assert not denied.allowed
    assert denied.retry_after_seconds >= 1
