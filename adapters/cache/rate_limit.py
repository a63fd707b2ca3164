"""The RateLimiter port as a sliding-window log, in this process or shared through Redis.

Why a sliding-window log: the customer states budgets as "N per window" (100/min global, 60/min per IP,
1000/hour per user), and the log enforces exactly that: never more than `limit` allowed hits in any
`window_seconds` span, with no burst of 2N across a fixed-window boundary (as fixed windows allow) and no
"N at once, then one every window/N" reading (as GCRA gives). It also makes Retry-After exact: a denied
client may come back when the oldest hit that fills the budget leaves the window. The price is memory of
one entry per allowed hit (at most `limit` per key, since denied hits are not logged: a client hammering
while denied does not push its own recovery back); at these limits that is small.
"""

import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from itertools import count

from redis.asyncio import Redis

from adapters.cache.read_ahead import CacheReadAhead
from adapters.cache.script_calls import RedisScriptCalls
from application.ports import Budget, RateDecision

MonotonicClock = Callable[[], float]


def _check(limit: int, window_seconds: int) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if window_seconds < 1:
        raise ValueError("window_seconds must be at least 1")


def _denied(limit: int, wait_seconds: float) -> RateDecision:
    # Round to the microsecond first so float noise (60.0000000001) does not add a second.
    return RateDecision(False, limit, 0, max(1, math.ceil(round(wait_seconds, 6))))


class InProcessRateLimiter:
    """Budgets counted in this process only (the embedded mode, tests). Logs are grouped by window
    length and ordered by last hit, so those whose hits have all left the window are dropped as we go.
    No awaits: safe within one event loop; not thread-safe."""

    def __init__(self, clock: MonotonicClock = time.monotonic) -> None:
        self._clock = clock
        self._logs: dict[int, OrderedDict[str, deque[float]]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        return (await self.hit_all([Budget(key, limit, window_seconds)]))[0]

    async def hit_all(self, budgets: Sequence[Budget]) -> list[RateDecision]:
        for budget in budgets:
            _check(budget.limit, budget.window_seconds)
        now = self._clock()
        for window_seconds in {budget.window_seconds for budget in budgets}:
            self._forget_idle(self._logs.setdefault(window_seconds, OrderedDict()), now - window_seconds)
        logs = [self._log(budget, now) for budget in budgets]
        if all(len(hits) < budget.limit for hits, budget in zip(logs, budgets, strict=True)):
            for hits in logs:
                hits.append(now)
            return [RateDecision(True, b.limit, b.limit - len(h), 0) for h, b in zip(logs, budgets, strict=True)]
        decisions = []
        for hits, budget in zip(logs, budgets, strict=True):
            if len(hits) < budget.limit:
                decisions.append(RateDecision(True, budget.limit, budget.limit - len(hits), 0))
            else:
                blocking = hits[len(hits) - budget.limit]  # once it leaves the window, limit - 1 hits remain
                decisions.append(_denied(budget.limit, blocking + budget.window_seconds - now))
        return decisions

    def _log(self, budget: Budget, now: float) -> deque[float]:
        """The key's hits still inside its window (idle logs were dropped first: a new, still empty log
        must not be taken for an idle one)."""
        cutoff = now - budget.window_seconds
        logs = self._logs[budget.window_seconds]
        hits = logs.get(budget.key)
        if hits is None:
            hits = logs[budget.key] = deque()
        while hits and hits[0] <= cutoff:
            hits.popleft()
        logs.move_to_end(budget.key)
        return hits

    def _forget_idle(self, logs: OrderedDict[str, deque[float]], cutoff: float) -> None:
        while logs:
            hits = next(iter(logs.values()))
            if hits and hits[-1] > cutoff:
                return
            logs.popitem(last=False)


# KEYS[1..n]: sorted sets of hit times (microseconds, Redis's clock) -> "time:tag" members; KEYS[n+1..]: plain
# keys read along (see read_ahead.py), answered after the decisions, false (nil) when missing.
# ARGV: limit and window seconds of each budget key in turn, then a tag unique to this call, then n.
# Returns {allowed, remaining, wait microseconds} for each budget key; the hit is logged in every key or in none.
# The server's clock is the one clock every process agrees on; %.0f keeps 16-digit times exact (Lua's
# default number-to-string conversion would round them to 14 significant digits).
_SLIDING_LOG = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[#ARGV])
local tag = ARGV[n * 2 + 1]
local used = {}
local room = true
for i = 1, n do
  local limit = tonumber(ARGV[i * 2 - 1])
  local window = tonumber(ARGV[i * 2]) * 1000000
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%.0f', now - window))
  used[i] = redis.call('ZCARD', KEYS[i])
  if used[i] >= limit then room = false end
end
local stamp = string.format('%.0f', now)
local reply = {}
for i = 1, n do
  local limit = tonumber(ARGV[i * 2 - 1])
  local window = tonumber(ARGV[i * 2]) * 1000000
  if room then
    redis.call('ZADD', KEYS[i], stamp, stamp .. ':' .. tag)
    redis.call('EXPIRE', KEYS[i], ARGV[i * 2])
    reply[#reply + 1] = 1; reply[#reply + 1] = limit - used[i] - 1; reply[#reply + 1] = 0
  elseif used[i] < limit then
    reply[#reply + 1] = 1; reply[#reply + 1] = limit - used[i]; reply[#reply + 1] = 0
  else
    local blocking = redis.call('ZRANGE', KEYS[i], used[i] - limit, used[i] - limit, 'WITHSCORES')
    reply[#reply + 1] = 0; reply[#reply + 1] = 0; reply[#reply + 1] = tonumber(blocking[2]) + window - now
  end
end
for i = n + 1, #KEYS do
  reply[#reply + 1] = redis.call('GET', KEYS[i])
end
return reply
"""


class RedisRateLimiter:
    """Budgets shared by every process that uses the same Redis and prefix: one Lua script per request
    reads, trims and appends the logs of all its budgets atomically, timed by the Redis server's clock
    (Redis 5 or later).
    The key is `prefix + key`; it expires one window after its last allowed hit. Given a CacheReadAhead,
    the same script also reads the cache keys the request is known to read next (one round trip for both)."""

    def __init__(self, redis: Redis, prefix: str, read_ahead: CacheReadAhead | None = None) -> None:
        self._prefix = prefix
        self._read_ahead = read_ahead
        self._script = RedisScriptCalls(redis, _SLIDING_LOG)
        self._tag_base = secrets.token_hex(6)  # tells apart two processes' hits in the same microsecond
        self._serial = count()

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        return (await self.hit_all([Budget(key, limit, window_seconds)]))[0]

    async def hit_all(self, budgets: Sequence[Budget]) -> list[RateDecision]:
        args: list[int | str] = []
        for budget in budgets:
            _check(budget.limit, budget.window_seconds)
            args += [budget.limit, budget.window_seconds]
        args += [f"{self._tag_base}.{next(self._serial)}", len(budgets)]
        read_along = self._read_ahead.wanted() if self._read_ahead is not None else []
        keys = [self._prefix + budget.key for budget in budgets]
        reply = await self._script(keys + read_along, args)
        if read_along:
            assert self._read_ahead is not None
            self._read_ahead.found(read_along, reply[len(budgets) * 3 :])
        decisions = []
        for budget, at in zip(budgets, range(0, len(budgets) * 3, 3), strict=True):
            allowed, remaining, wait_microseconds = (int(part) for part in reply[at : at + 3])
            decisions.append(
                RateDecision(True, budget.limit, remaining, 0)
                if allowed
                else _denied(budget.limit, wait_microseconds / 1_000_000)
            )
        return decisions
