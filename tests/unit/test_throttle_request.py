"""ThrottleRequest: which budgets a request is counted against, and what a refusal says."""

import pytest

from adapters.cache import InProcessRateLimiter
from application.errors import RateLimited
from application.use_cases.throttle_request import Limit, RequestLimits, ThrottleCommand, ThrottleRequest


async def test_an_anonymous_request_counts_for_its_address_and_the_service() -> None:
    throttle = ThrottleRequest(InProcessRateLimiter(), RequestLimits(Limit(2, 60), Limit(1, 60), Limit(3, 60)))
    await throttle(ThrottleCommand("203.0.113.1"))
    await throttle(ThrottleCommand("203.0.113.1"))
    with pytest.raises(RateLimited) as refused:
        await throttle(ThrottleCommand("203.0.113.1"))
    assert (refused.value.scope, refused.value.retry_after_seconds) == ("ip", 60)
    await throttle(ThrottleCommand("203.0.113.2"))  # the refusal spent none of the service's budget
    with pytest.raises(RateLimited) as refused:
        await throttle(ThrottleCommand("203.0.113.3"))
    assert refused.value.scope == "global"


async def test_a_user_counts_against_the_user_limit_and_a_key_against_its_own() -> None:
    throttle = ThrottleRequest(InProcessRateLimiter(), RequestLimits(None, Limit(2, 3600), None))
    for _ in range(2):
        await throttle(ThrottleCommand("203.0.113.1", "user:u1"))
    with pytest.raises(RateLimited) as refused:
        await throttle(ThrottleCommand("203.0.113.9", "user:u1"))
    assert refused.value.scope == "user"
    for _ in range(5):
        await throttle(ThrottleCommand("203.0.113.1", "key:k1", caller_limit_per_hour=5))
    with pytest.raises(RateLimited) as refused:
        await throttle(ThrottleCommand("203.0.113.1", "key:k1", caller_limit_per_hour=5))
    assert (refused.value.scope, refused.value.retry_after_seconds) == ("api_key", 3600)


async def test_with_every_limit_off_nothing_is_counted() -> None:
    throttle = ThrottleRequest(InProcessRateLimiter(), RequestLimits(None, None, None))
    for _ in range(500):
        await throttle(ThrottleCommand("203.0.113.1", "user:u1"))


async def test_budgets_remembered_per_command_still_count_each_client_apart() -> None:
    throttle = ThrottleRequest(InProcessRateLimiter(), RequestLimits(Limit(2, 60), Limit(3, 60), None), remembered=1)
    for _ in range(2):  # alternating: the one remembered command is replaced on every call
        await throttle(ThrottleCommand("203.0.113.1", "user:u1"))
        await throttle(ThrottleCommand("203.0.113.2", "user:u2"))
    for address, user in (("203.0.113.1", "user:u1"), ("203.0.113.2", "user:u2")):
        with pytest.raises(RateLimited) as refused:
            await throttle(ThrottleCommand(address, user))
        assert refused.value.scope == "ip"
    await throttle(ThrottleCommand("203.0.113.3", "user:u1"))  # a third request for u1, from elsewhere
    with pytest.raises(RateLimited) as refused:
        await throttle(ThrottleCommand("203.0.113.4", "user:u1"))
    assert refused.value.scope == "user"
