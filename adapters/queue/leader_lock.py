"""One scheduler at a time: a Redis key held with a TTL and renewed on every tick by its holder.

A scheduler that dies loses the lock after `ttl`; another one, waiting, takes over. Renewal and release
check the holder's token in one script, so a scheduler that paused past its TTL never renews or deletes
the lock a successor now holds."""

import secrets

from redis.asyncio import Redis

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLeaderLock:
    def __init__(self, redis: Redis, key: str, ttl_seconds: float) -> None:
        self._redis, self._key, self._ttl_ms = redis, key, int(ttl_seconds * 1000)
        self.token = secrets.token_hex(16)

    async def hold(self) -> bool:
        """True while this process is the leader: takes a free lock or renews its own."""
        if await self._redis.set(self._key, self.token, nx=True, px=self._ttl_ms):
            return True
        return bool(await self._redis.eval(_RENEW, 1, self._key, self.token, self._ttl_ms))  # type: ignore[misc]

    async def release(self) -> None:
        await self._redis.eval(_RELEASE, 1, self._key, self.token)  # type: ignore[misc]
