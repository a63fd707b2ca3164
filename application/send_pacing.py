"""How fast and how often mail goes out: message starts paced per relay and per recipient domain, and the
backoff between attempts of a delivery the relay refused for now.

Japanese mobile carriers throttle senders hard (and start refusing with 4xx, then blocking, when pushed),
so their domains get a slow default; any domain's rate can be set in the configuration."""

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

CARRIER_DOMAINS = ("docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp", "ymobile.ne.jp")
CARRIER_RATE = 5.0  # messages per second per carrier domain, over all connections of one sender
DEFAULT_DOMAIN_RATES: Mapping[str, float] = {domain: CARRIER_RATE for domain in CARRIER_DOMAINS}


@dataclass(frozen=True)
class SendRates:
    """Messages per second: `relay` over the whole pool, `domains` per recipient domain (a domain also
    covers its subdomains), `other_domains` for each domain not listed. None: no limit."""

    relay: float | None = None
    domains: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_DOMAIN_RATES))
    other_domains: float | None = None

    def for_domain(self, domain: str) -> tuple[str, float | None]:
        """The budget a domain draws on: its own entry, a parent's (longest match), or its own budget at
        the `other_domains` rate."""
        domain = domain.lower().rstrip(".")
        best: str | None = None
        for listed in self.domains:
            if (domain == listed or domain.endswith("." + listed)) and (best is None or len(listed) > len(best)):
                best = listed
        if best is not None:
            return best, self.domains[best]
        return domain, self.other_domains


def recipient_domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


class SendPacer:
    """Spreads message starts evenly: each start takes the next free slot of the relay and of the
    recipient's domain. Slots are reserved, so concurrent senders never start two messages in one slot."""

    def __init__(self, rates: SendRates, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._rates, self._monotonic = rates, monotonic
        self._relay_next = 0.0
        self._domain_next: dict[str, float] = {}

    def delay(self, recipient: str) -> float:
        """Seconds until a message to `recipient` may start; nothing is reserved."""
        now = self._monotonic()
        key, _ = self._rates.for_domain(recipient_domain(recipient))
        return max(0.0, self._relay_next - now, self._domain_next.get(key, 0.0) - now)

    def paces(self, recipient: str) -> bool:
        """Whether any rate applies to a message to `recipient` (the relay's, or its domain's)."""
        return self._rates.relay is not None or self._rates.for_domain(recipient_domain(recipient))[1] is not None

    def reserve(self, recipient: str) -> float:
        """Take the next slot for `recipient`; returns the seconds to wait before starting."""
        now = self._monotonic()
        key, domain_rate = self._rates.for_domain(recipient_domain(recipient))
        start = max(now, self._relay_next, self._domain_next.get(key, 0.0))
        if self._rates.relay is not None:
            self._relay_next = start + 1.0 / self._rates.relay
        if domain_rate is not None:
            self._domain_next[key] = start + 1.0 / domain_rate
        return start - now


@dataclass(frozen=True)
class RetryPolicy:
    """A delivery refused for now (4xx, or a connection lost before the relay took it) is tried again up to
    `max_attempts` times in all, after an exponential backoff with jitter: attempt n waits between half
    and all of min(cap, base * 2^(n-1)), so retries of many recipients do not arrive together."""

    max_attempts: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=15)

    def backoff(self, attempts: int, rng: random.Random) -> timedelta:
        ceiling: timedelta = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        return ceiling / 2 + ceiling / 2 * rng.random()
