"""Cache reads a request is known to make, done in the round trip of its rate-limit check.

A warm `GET /me/matches` on Redis made two round trips: the rate-limit script, then the MGET of the match
cache's counters and current id. The guard knows, once the caller is authenticated, which cache keys the
route will read (`expect`); the Redis rate limiter reads them in its script, atomically with the check
(`wanted`, `found`); the Redis cache then answers an MGET of exactly those keys from what was read
(`take`), once. Nothing else changes: the values are what an MGET at the moment of the check gave, a
refused request never uses them, and whatever was not read ahead (in-process limiter or cache, all limits
off, other keys) is read from the cache as before. All of it lives in the request's context (its task),
so one request never sees another's.
"""

from collections.abc import Sequence
from contextvars import ContextVar


class CacheReadAhead:
    """One Redis cache's read-ahead (RedisCache makes it, with its key prefix); `CacheReadAhead(None)` reads
    nothing ahead (no Redis cache, or not on the rate limiter's server)."""

    def __init__(self, cache_prefix: str | None) -> None:
        self._prefix = cache_prefix or ""  # the Redis cache's key prefix: the limiter reads full keys
        self.enabled = cache_prefix is not None
        self._wanted: ContextVar[tuple[str, ...]] = ContextVar("cache_read_ahead_wanted", default=())
        self._found: ContextVar[dict[str, bytes | None] | None] = ContextVar("cache_read_ahead_found", default=None)

    def expect(self, keys: Sequence[str]) -> None:
        """The cache keys (as the Cache port names them) this request will read next."""
        if not self.enabled:
            return
        self._wanted.set(tuple(keys))
        self._found.set(None)

    def wanted(self) -> list[str]:
        """The expected keys as Redis names them, handed over once."""
        keys = self._wanted.get()
        if keys:
            self._wanted.set(())
        return [self._prefix + key for key in keys]

    def found(self, redis_keys: Sequence[str], values: Sequence[bytes | None]) -> None:
        cut = len(self._prefix)
        self._found.set({key[cut:]: value for key, value in zip(redis_keys, values, strict=True)})

    def take(self, keys: Sequence[str]) -> list[bytes | None] | None:
        """The values read ahead for exactly these keys, once; None when they were not."""
        found = self._found.get()
        if found is None or len(found) != len(keys) or any(key not in found for key in keys):
            return None
        self._found.set(None)
        return [found[key] for key in keys]
