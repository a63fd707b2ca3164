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
from collections.abc import Callable
from itertools import count

from redis.asyncio import Redis

from application.ports import RateDecision

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
        _check(limit, window_seconds)
        now = self._clock()
        cutoff = now - window_seconds
        logs = self._logs.setdefault(window_seconds, OrderedDict())
        self._forget_idle(logs, cutoff)
        hits = logs.get(key)
        if hits is None:
            hits = logs[key] = deque()
        while hits and hits[0] <= cutoff:
            hits.popleft()
        logs.move_to_end(key)
        if len(hits) < limit:
            hits.append(now)
            return RateDecision(True, limit, limit - len(hits), 0)
        blocking = hits[len(hits) - limit]  # once it leaves the window, limit - 1 hits remain
        return _denied(limit, blocking + window_seconds - now)

    def _forget_idle(self, logs: OrderedDict[str, deque[float]], cutoff: float) -> None:
        while logs:
            hits = next(iter(logs.values()))
            if hits and hits[-1] > cutoff:
                return
            logs.popitem(last=False)


# KEYS[1]: a sorted set of hit times (microseconds, Redis's clock) -> "time:tag" members.
# ARGV: limit, window seconds, a tag unique to this call. Returns {allowed, remaining, wait microseconds}.
# The server's clock is the one clock every process agrees on; %.0f keeps 16-digit times exact (Lua's
# default number-to-string conversion would round them to 14 significant digits).
_SLIDING_LOG = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  local stamp = string.format('%.0f', now)
  redis.call('ZADD', KEYS[1], stamp, stamp .. ':' .. ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return {1, limit - used - 1, 0}
end
local blocking = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
return {0, 0, tonumber(blocking[2]) + window - now}
"""


class RedisRateLimiter:
    """Budgets shared by every process that uses the same Redis and prefix: one Lua script per hit
    reads, trims and appends the log atomically, timed by the Redis server's clock (Redis 5 or later).
    The key is `prefix + key`; it expires one window after its last allowed hit."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._prefix = prefix
        self._script = redis.register_script(_SLIDING_LOG)
        self._tag_base = secrets.token_hex(6)  # tells apart two processes' hits in the same microsecond
        self._serial = count()

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        _check(limit, window_seconds)
        tag = f"{self._tag_base}.{next(self._serial)}"
        reply = await self._script(keys=[self._prefix + key], args=[limit, window_seconds, tag])
        allowed, remaining, wait_microseconds = (int(part) for part in reply)
        if allowed:
            return RateDecision(True, limit, remaining, 0)
        return _denied(limit, wait_microseconds / 1_000_000)
