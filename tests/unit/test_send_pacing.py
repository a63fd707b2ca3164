"""Pacing per relay and per recipient domain, and the backoff between attempts."""

import random
from datetime import timedelta

from application.send_pacing import CARRIER_DOMAINS, RetryPolicy, SendPacer, SendRates


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_carrier_domains_are_slow_by_default_and_cover_their_subdomains() -> None:
    rates = SendRates()
    assert set(CARRIER_DOMAINS) <= set(rates.domains)
    assert rates.for_domain("docomo.ne.jp") == ("docomo.ne.jp", 5.0)
    assert rates.for_domain("DOCOMO.ne.jp.") == ("docomo.ne.jp", 5.0)
    assert rates.for_domain("x.i.softbank.jp") == ("i.softbank.jp", 5.0)  # the longest match
    assert rates.for_domain("notdocomo.ne.jp") == ("notdocomo.ne.jp", None)
    assert rates.for_domain("example.jp") == ("example.jp", None)


def test_each_domain_has_its_own_budget_and_the_relay_one_over_all() -> None:
    clock = FakeTime()
    pacer = SendPacer(SendRates(domains={"docomo.ne.jp": 5.0}), clock)
    assert [round(pacer.reserve("a@docomo.ne.jp"), 6) for _ in range(3)] == [0.0, 0.2, 0.4]
    assert pacer.reserve("a@example.jp") == 0.0  # another domain is not held up
    assert round(pacer.delay("b@docomo.ne.jp"), 6) == 0.6
    clock.now += 1.0
    assert pacer.delay("b@docomo.ne.jp") == 0.0
    relay = SendPacer(SendRates(relay=10.0, domains={}), clock)
    waits = [relay.reserve(f"u{n}@d{n}.jp") for n in range(4)]
    assert [round(w, 6) for w in waits] == [0.0, 0.1, 0.2, 0.3]


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=6, base=timedelta(seconds=30), cap=timedelta(minutes=2))
    rng = random.Random(7)
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (4, 120), (9, 120)]:
        waits = [policy.backoff(attempts, rng).total_seconds() for _ in range(200)]
        assert min(waits) >= ceiling / 2
        assert max(waits) <= ceiling
        assert max(waits) - min(waits) > ceiling / 4  # spread out, not all at once
