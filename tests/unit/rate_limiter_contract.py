"""What every RateLimiter must do with several budgets at once (run on each adapter by its own tests)."""

from application.ports import Budget, RateLimiter


async def check_a_request_counts_in_every_budget_or_in_none(limiter: RateLimiter) -> None:
    ip, user, service = Budget("ip:a", 2, 60), Budget("user:u", 3, 60), Budget("global", 10, 60)
    first = await limiter.hit_all([ip, user, service])
    assert [(d.allowed, d.remaining) for d in first] == [(True, 1), (True, 2), (True, 9)]
    await limiter.hit_all([ip, user, service])
    denied = await limiter.hit_all([ip, user, service])  # the IP budget is full
    assert [d.allowed for d in denied] == [False, True, True]
    assert denied[0].retry_after_seconds >= 1
    assert [(d.remaining, d.retry_after_seconds) for d in denied[1:]] == [(1, 0), (8, 0)]  # not charged
    # Another address of the same user: the user's and the service's budgets were not spent by the denial.
    other = await limiter.hit_all([Budget("ip:b", 2, 60), user, service])
    assert [(d.allowed, d.remaining) for d in other] == [(True, 1), (True, 0), (True, 7)]
    assert not (await limiter.hit("user:u", 3, 60)).allowed
