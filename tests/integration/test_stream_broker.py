"""The shard queue's Redis stream: a task held by a live worker past the redelivery timeout stays with it
(heartbeat), and goes to another worker once its holder stops answering."""

import asyncio
import os
import socket

import pytest
from redis.asyncio import Redis

from adapters.queue.redis_stream import ShardStreamBroker

pytestmark = pytest.mark.redis


async def holder(redis: Redis, queue: str) -> str:
    [entry] = await redis.xpending_range(queue, f"{queue}:workers", "-", "+", 10)
    return str(entry["consumer"].decode())


async def test_a_long_task_of_a_live_worker_is_not_redelivered_and_a_dead_ones_is(
    redis_url: str, redis_key_prefix: str
) -> None:
    queue = f"{redis_key_prefix}stream-{os.urandom(4).hex()}"
    live, other = (ShardStreamBroker(redis_url, queue_name=queue, idle_timeout_seconds=1.0, xread_block=100)
                   for _ in range(2))  # fmt: skip
    for broker in (live, other):
        await broker.startup()
    redis = Redis.from_url(redis_url)
    try:
        await redis.xadd(queue, {b"data": b"shard 0"})
        held = await anext(live.listen())
        assert held.data == b"shard 0"
        taker = asyncio.ensure_future(anext(other.listen()))
        await asyncio.sleep(3.0)  # three redelivery timeouts: the live holder's heartbeat keeps it
        assert not taker.done()
        # Each consumer is named after its machine and process (two in one process apart): XPENDING says
        # which process holds a task.
        assert await holder(redis, queue) == live.consumer_name
        assert live.consumer_name != other.consumer_name
        assert all(b.consumer_name.startswith(f"{socket.gethostname()}:{os.getpid()}:") for b in (live, other))
        assert live._heartbeat is not None
        live._heartbeat.cancel()  # the holder stops answering (killed)
        reclaimed = await asyncio.wait_for(taker, timeout=5)
        assert reclaimed.data == b"shard 0"
        assert await holder(redis, queue) == other.consumer_name
        # The stalled holder comes back: its heartbeat leaves the reclaimed task with the new holder.
        await live._renew()
        assert await holder(redis, queue) == other.consumer_name
        assert not live._held
        await reclaimed.ack()
        pending = await redis.xpending(queue, f"{queue}:workers")
        assert pending["pending"] == 0
    finally:
        for broker in (live, other):
            await broker.shutdown()
        await redis.delete(queue)
        await redis.aclose()
