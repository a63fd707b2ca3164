"""InProcessCache and InProcessRateLimiter on a hand-driven clock."""

import pytest

from adapters.cache import InProcessCache, InProcessRateLimiter, RedisCache, RedisRateLimiter, redis_client
from application.ports import Cache, RateDecision, RateLimiter
from tests.unit.rate_limiter_contract import check_a_request_counts_in_every_budget_or_in_none


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


async def test_value_lives_until_its_ttl(clock: FakeMonotonic) -> None:
    cache = InProcessCache(clock=clock)
    await cache.set("api:jobs", b"payload", ttl_seconds=300)
    clock.now += 299.9
    assert await cache.get("api:jobs") == b"payload"
    clock.now += 0.1
    assert await cache.get("api:jobs") is None
    assert len(cache) == 0


async def test_set_replaces_value_and_lifetime(clock: FakeMonotonic) -> None:
    cache = InProcessCache(clock=clock)
    await cache.set("k", b"old", ttl_seconds=1)
    await cache.set("k", b"new", ttl_seconds=10)
    clock.now += 5
    assert await cache.get("k") == b"new"


async def test_get_many_reads_several_keys_in_order(clock: FakeMonotonic) -> None:
    cache = InProcessCache(clock=clock)
    await cache.set("a", b"1", 10)
    await cache.incr("n")
    await cache.set("gone", b"x", 1)
    clock.now += 2
    assert await cache.get_many("n", "missing", "a", "gone") == [b"1", None, b"1", None]
    assert await cache.get_many() == []


async def test_missing_key_and_delete(clock: FakeMonotonic) -> None:
    cache = InProcessCache(clock=clock)
    assert await cache.get("nothing") is None
    await cache.set("a", b"1", 60)
    await cache.set("b", b"2", 60)
    await cache.delete("a", "b", "never-set")
    assert await cache.get("a") is None
    assert await cache.get("b") is None


async def test_least_recently_used_value_is_evicted(clock: FakeMonotonic) -> None:
    cache = InProcessCache(max_entries=2, clock=clock)
    await cache.set("a", b"1", 60)
    await cache.set("b", b"2", 60)
    assert await cache.get("a") == b"1"  # "b" is now the least recently used
    await cache.set("c", b"3", 60)
    assert await cache.get("b") is None
    assert await cache.get("a") == b"1"
    assert await cache.get("c") == b"3"


async def test_incr_counts_from_one_and_never_expires(clock: FakeMonotonic) -> None:
    cache = InProcessCache(clock=clock)
    assert await cache.incr("version:jobs") == 1
    assert await cache.incr("version:jobs") == 2
    clock.now += 10 * 365 * 86400
    assert await cache.incr("version:jobs") == 3
    assert await cache.get("version:jobs") == b"3"  # what Redis would answer


async def test_counters_survive_eviction_of_values(clock: FakeMonotonic) -> None:
    # A version counter evicted and recreated at 1 would make entries cached under v1 current again.
    cache = InProcessCache(max_entries=2, clock=clock)
    await cache.incr("version:jobs")
    await cache.incr("version:jobs")
    for n in range(5):
        await cache.set(f"value:{n}", b"x", 60)
    assert await cache.incr("version:jobs") == 3


async def test_incr_of_a_number_value_keeps_its_lifetime_and_rejects_text(clock: FakeMonotonic) -> None:
    cache = InProcessCache(clock=clock)
    await cache.set("n", b"41", ttl_seconds=10)
    assert await cache.incr("n") == 42
    clock.now += 10
    assert await cache.get("n") is None
    await cache.set("text", b"abc", 10)
    with pytest.raises(ValueError, match="not an integer"):
        await cache.incr("text")


async def test_set_after_incr_turns_the_counter_back_into_a_value(clock: FakeMonotonic) -> None:
    cache = InProcessCache(clock=clock)
    await cache.incr("k")
    await cache.set("k", b"v", 5)
    clock.now += 5
    assert await cache.get("k") is None


async def test_ttl_and_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        InProcessCache(max_entries=0)
    with pytest.raises(ValueError, match="ttl_seconds"):
        await InProcessCache().set("k", b"v", 0)


async def test_limit_allows_n_then_denies_until_oldest_hit_leaves(clock: FakeMonotonic) -> None:
    limiter = InProcessRateLimiter(clock=clock)
    decisions = []
    for _ in range(3):
        decisions.append(await limiter.hit("ip:1.2.3.4", limit=3, window_seconds=60))
        clock.now += 10  # hits at t=0, 10, 20
    assert [d.remaining for d in decisions] == [2, 1, 0]
    assert all(d.allowed and d.retry_after_seconds == 0 for d in decisions)

    assert await limiter.hit("ip:1.2.3.4", 3, 60) == RateDecision(False, 3, 0, 30)  # t=30; first hit leaves at 60
    clock.now = 1000 + 59.5
    assert await limiter.hit("ip:1.2.3.4", 3, 60) == RateDecision(False, 3, 0, 1)  # never 0 while denied
    clock.now = 1000 + 60
    assert await limiter.hit("ip:1.2.3.4", 3, 60) == RateDecision(True, 3, 0, 0)
    assert (await limiter.hit("ip:1.2.3.4", 3, 60)).retry_after_seconds == 10  # the t=10 hit leaves at 70


async def test_no_burst_across_a_window_boundary(clock: FakeMonotonic) -> None:
    # A fixed window would allow 2N around the boundary; the log allows N in any 60 s.
    limiter = InProcessRateLimiter(clock=clock)
    clock.now = 1059
    assert all([(await limiter.hit("g", 5, 60)).allowed for _ in range(5)])
    clock.now = 1061
    assert not (await limiter.hit("g", 5, 60)).allowed


async def test_denied_hits_do_not_push_recovery_back(clock: FakeMonotonic) -> None:
    limiter = InProcessRateLimiter(clock=clock)
    await limiter.hit("u", 1, 10)
    for _ in range(20):
        clock.now += 0.4
        assert not (await limiter.hit("u", 1, 10)).allowed
    clock.now = 1010
    assert (await limiter.hit("u", 1, 10)).allowed


async def test_keys_have_separate_budgets_and_idle_logs_are_dropped(clock: FakeMonotonic) -> None:
    limiter = InProcessRateLimiter(clock=clock)
    assert (await limiter.hit("ip:a", 1, 60)).allowed
    assert (await limiter.hit("ip:b", 1, 60)).allowed
    assert not (await limiter.hit("ip:a", 1, 60)).allowed
    clock.now += 61
    await limiter.hit("ip:c", 1, 60)
    assert list(limiter._logs[60]) == ["ip:c"]


async def test_limit_and_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        await InProcessRateLimiter().hit("k", 0, 60)
    with pytest.raises(ValueError, match="window"):
        await InProcessRateLimiter().hit("k", 1, 0)


async def test_adapters_satisfy_the_ports() -> None:
    # Checked by mypy --strict; making a client does not connect.
    client = redis_client("redis://127.0.0.1:6379/0")
    caches: list[Cache] = [InProcessCache(), RedisCache(client, "p:")]
    limiters: list[RateLimiter] = [InProcessRateLimiter(), RedisRateLimiter(client, "p:")]
    assert len(caches) == len(limiters) == 2
    await client.aclose()


async def test_several_budgets_count_a_request_in_all_or_none(clock: FakeMonotonic) -> None:
    await check_a_request_counts_in_every_budget_or_in_none(InProcessRateLimiter(clock=clock))
