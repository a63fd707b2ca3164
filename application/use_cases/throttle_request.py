"""Count one HTTP request against its budgets (the customer's three tiers), refusing it when any is spent.

Rules:
- Budgets: per client address, per caller (a person's account, or a partner's API key, whose own hourly
  limit replaces the per-user one) when the request is authenticated, and one for the whole service.
  The defaults are the customer's: 60 a minute per address, 1000 an hour per user, 100 a minute in all;
  each can be changed or switched off (None).
- A request is counted in all of its budgets or, when any of them is spent, in none: a client refused
  for its own budget spends nothing of the service's, and refusals never push anyone's recovery back.
- Refused: RateLimited naming the budget (the narrowest one when several are spent) and when to come back
  (whole seconds, at least 1).
"""

from dataclasses import dataclass

from application.errors import RateLimited
from application.ports import Budget, RateLimiter

HOUR = 3600


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int


@dataclass(frozen=True)
class RequestLimits:
    per_ip: Limit | None = Limit(60, 60)
    per_user: Limit | None = Limit(1000, HOUR)
    service: Limit | None = Limit(100, 60)


@dataclass(frozen=True)
class ThrottleCommand:
    client_ip: str
    caller_key: str | None = None  # "user:<id>" or "key:<id>"; None when not authenticated
    caller_limit_per_hour: int | None = None  # an API key's own limit


class ThrottleRequest:
    def __init__(self, limiter: RateLimiter, limits: RequestLimits, remembered: int = 4096) -> None:
        self._limiter = limiter
        self._limits = limits
        # The budgets of the last `remembered` distinct commands: a client's requests repeat one command.
        self._remembered = remembered
        self._known: dict[ThrottleCommand, list[tuple[str, Budget]]] = {}

    async def __call__(self, command: ThrottleCommand) -> None:
        tiers = self._known.get(command)
        if tiers is None:
            tiers = self._tiers(command)
            if len(self._known) >= self._remembered:  # the oldest first (dicts keep insertion order)
                del self._known[next(iter(self._known))]
            self._known[command] = tiers
        if not tiers:
            return
        decisions = await self._limiter.hit_all([budget for _, budget in tiers])
        for (scope, _), decision in zip(tiers, decisions, strict=True):
            if not decision.allowed:
                raise RateLimited(scope, decision.retry_after_seconds)

    def _tiers(self, command: ThrottleCommand) -> list[tuple[str, Budget]]:
        """(scope, budget), narrowest first."""
        limits = self._limits
        wanted: list[tuple[str, str, Limit | None]] = [("ip", f"ip:{command.client_ip}", limits.per_ip)]
        if command.caller_key is not None and command.caller_limit_per_hour is not None:
            wanted.append(("api_key", command.caller_key, Limit(command.caller_limit_per_hour, HOUR)))
        elif command.caller_key is not None:
            wanted.append(("user", command.caller_key, limits.per_user))
        wanted.append(("global", "global", limits.service))
        return [(scope, Budget(key, limit.count, limit.window_seconds)) for scope, key, limit in wanted if limit]
