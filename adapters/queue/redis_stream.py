"""taskiq on a Redis stream, with the two things a shard queue needs that RedisStreamBroker lacks.

1. Reclaim while idle. RedisStreamBroker (taskiq-redis 1.2.4) looks for unacknowledged messages of dead
   consumers (XAUTOCLAIM) only after a read that returned new messages, so a shard whose worker was killed
   waits for the next new task, maybe tomorrow's. Here every pass of the loop reclaims, idle or not.
   XAUTOCLAIM is atomic, so two consumers never reclaim the same message and no lock is needed (the
   upstream lock, never released by a killed worker, blocked reclaim: taskiq-redis #131).
2. Heartbeat. A message is redelivered once it has been pending longer than `idle_timeout`. A consumer
   re-claims (XCLAIM ... JUSTID, which resets the idle time) the messages it still owns every `heartbeat`
   seconds, so a long shard is never taken from a live worker, and a dead worker's shard goes to another
   after `idle_timeout`: the timeout is sized to detect death, not to outlast the longest shard. A Lua
   script checks the owner and claims in one step, so a worker that stalled past the timeout never takes
   back a shard another worker has reclaimed meanwhile.
3. A consumer named after its process: `host:pid:random`, set when the process starts listening (a worker
   process forked from one that made the broker gets a name of its own), so `XINFO CONSUMERS` and
   `XPENDING` tell an operator which machine and process holds a shard.
"""

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

logger = logging.getLogger(__name__)

# XCLAIM ... JUSTID of the given ids, only of those the consumer still owns (checked and claimed atomically);
# answers the ids renewed. KEYS[1] stream; ARGV group, consumer, ids.
_RENEW_OWN = """
local kept = {}
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
"""


class ShardStreamBroker(RedisStreamBroker):
    def __init__(self, url: str, *, queue_name: str, idle_timeout_seconds: float, **kwargs: Any) -> None:
        # One message per read: a worker takes a shard when it is free, instead of hoarding a batch of
        # them in its pending list while another worker has nothing to do.
        super().__init__(
            url, queue_name=queue_name, consumer_group_name=f"{queue_name}:workers",
            # "0", not "$": a group made when the first worker starts still gets the tasks queued before it.
            consumer_id="0",
            idle_timeout=int(idle_timeout_seconds * 1000), xread_count=1, unacknowledged_batch_size=1,
            **kwargs,
        )  # fmt: skip
        self.heartbeat_seconds = max(idle_timeout_seconds / 4, 0.2)
        self._held: set[str] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        if self._heartbeat is None:
            self.consumer_name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            self._heartbeat = asyncio.create_task(self._beat())
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched = await redis.xreadgroup(
                    self.consumer_group_name, self.consumer_name, {self.queue_name: ">"},
                    block=self.block, count=self.count, noack=False,
                )  # fmt: skip
                for _stream, messages in fetched or []:
                    for message_id, fields in messages:
                        yield self._hold(message_id, fields)
                _next, reclaimed, *_ = await redis.xautoclaim(
                    self.queue_name, self.consumer_group_name, self.consumer_name,
                    min_idle_time=self.idle_timeout, count=self.unacknowledged_batch_size,
                )  # fmt: skip
                for message_id, fields in reclaimed:
                    if fields:  # None: the entry was trimmed from the stream
                        logger.warning("reclaimed task %s from a consumer that stopped answering", message_id)
                        yield self._hold(message_id, fields)

    def _hold(self, message_id: bytes | str, fields: dict[bytes, bytes]) -> AckableMessage:
        key = message_id.decode() if isinstance(message_id, bytes) else message_id
        self._held.add(key)
        return AckableMessage(data=fields[b"data"], ack=self._acknowledge(key))

    def _acknowledge(self, message_id: str) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            async with Redis(connection_pool=self.connection_pool) as redis:
                await redis.xack(self.queue_name, self.consumer_group_name, message_id)
            self._held.discard(message_id)

        return ack

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await self._renew()
            except Exception:  # a missed beat only risks a redelivery, which the tasks survive
                logger.exception("could not renew the claim on %d running tasks", len(self._held))

    async def _renew(self) -> None:
        """Reset the idle time of the messages this consumer still owns. One that another consumer took
        meanwhile (this process stalled past the redelivery timeout) stays with it: it is let go here."""
        held = list(self._held)
        if not held:
            return
        async with Redis(connection_pool=self.connection_pool) as redis:
            kept = await redis.eval(  # type: ignore[misc]
                _RENEW_OWN, 1, self.queue_name, self.consumer_group_name, self.consumer_name, *held
            )
        for lost in set(held) - {k.decode() if isinstance(k, bytes) else k for k in kept}:
            self._held.discard(lost)
            logger.warning("task %s was taken by another worker while this one stalled; it is theirs now", lost)

    async def shutdown(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        await super().shutdown()
