"""The Cache port on Redis, under a key prefix so several apps (or test runs) can share one server."""

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from adapters.cache.read_ahead import CacheReadAhead


def redis_client(url: str) -> Redis:
    """A client that returns bytes (the Cache port deals in bytes). It owns a connection pool:
    the caller closes it with `await client.aclose()` at shutdown."""
    return Redis.from_url(url, decode_responses=False)


class RedisCache:
    """GET / MGET / SET EX / DEL / INCR, every key written as `prefix + key`.

    Give it a client made with `decode_responses=False` (see `redis_client`): values are bytes.
    """

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        # Keys a request will read, read ahead by a rate limiter on the same server: an MGET of exactly
        # those is answered from them, once (read_ahead.py).
        self.read_ahead = CacheReadAhead(prefix)

    def on_server_of(self, other: Redis) -> bool:
        """Whether another client talks to the same server and database as this cache's."""
        mine, theirs = self._redis.connection_pool.connection_kwargs, other.connection_pool.connection_kwargs
        fields = ("host", "port", "path", "db")
        return all(mine.get(field) == theirs.get(field) for field in fields)

    async def get(self, key: str) -> bytes | None:
        value: bytes | str | None = await self._redis.get(self._prefix + key)
        if isinstance(value, str):  # a client made with decode_responses=True
            raise TypeError("RedisCache needs a client made with decode_responses=False")
        return value

    async def get_many(self, *keys: str) -> list[bytes | None]:
        if not keys:
            return []
        ahead = self.read_ahead.take(keys)
        if ahead is not None:
            return ahead
        values: list[bytes | str | None] = await self._redis.mget([self._prefix + key for key in keys])
        if any(isinstance(value, str) for value in values):
            raise TypeError("RedisCache needs a client made with decode_responses=False")
        return values  # type: ignore[return-value]

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be at least 1")
        await self._redis.set(self._prefix + key, value, ex=ttl_seconds)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._redis.delete(*(self._prefix + key for key in keys))

    async def incr(self, key: str) -> int:
        try:
            count: int = await self._redis.incr(self._prefix + key)
        except ResponseError as error:  # "value is not an integer or out of range"
            raise ValueError(f"cache value at {key!r} is not an integer") from error
        return count
