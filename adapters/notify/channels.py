"""The Notifier port on Litestar channels: one channel per user (`user:<id>`), so nobody receives another
user's events. On Redis (a stream per channel, capped at the history length) a worker publishes and the
API process holding the user's WebSocket delivers, and a reconnecting client is replayed what it missed."""

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import msgspec
from litestar.channels import ChannelsBackend


def user_channel(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


class ChannelsNotifier:
    def __init__(self, backend: ChannelsBackend) -> None:
        self._backend = backend

    async def notify(self, user_id: uuid.UUID, event: Mapping[str, object]) -> None:
        await self._backend.publish(msgspec.json.encode(dict(event)), [user_channel(user_id)])


def make_channels_backend(redis_url: str | None, key_prefix: str, history: int) -> tuple[ChannelsBackend, Any]:
    """The backend and the Redis client it uses (None in memory), which its owner closes.

    In memory (no Redis) only the process that publishes can deliver: the API, whose in-memory queue runs
    the events itself."""
    if redis_url is None:
        from litestar.channels.backends.memory import MemoryChannelsBackend

        return MemoryChannelsBackend(history=history), None
    from litestar.channels.backends.redis import RedisChannelsStreamBackend
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    backend = RedisChannelsStreamBackend(
        history=history, redis=redis, key_prefix=key_prefix, stream_ttl=timedelta(days=1)
    )  # a user's missed events are kept a day at most, the last `history` of them
    return backend, redis
