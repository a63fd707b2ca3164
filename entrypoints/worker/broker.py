"""The taskiq broker from the settings: Redis streams when MAILSCORE_REDIS_URL is set (workers on any
number of machines), else the in-memory broker (the tasks run inside the process that queues them)."""

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.middlewares import SimpleRetryMiddleware

from entrypoints.config import Settings


def make_broker(settings: Settings) -> AsyncBroker:
    broker: AsyncBroker
    if settings.redis_url:
        from adapters.queue.redis_stream import ShardStreamBroker

        broker = ShardStreamBroker(
            settings.redis_url, queue_name=settings.queue_name, idle_timeout_seconds=settings.redelivery_seconds,
            maxlen=100_000,  # acknowledged entries stay in a stream; keep it bounded
        )  # fmt: skip
    else:
        broker = InMemoryBroker(max_async_tasks=1)  # one shard at a time, like one worker process
    # A task that fails (database restarting) is queued again a few times; tasks are idempotent.
    return broker.with_middlewares(SimpleRetryMiddleware(default_retry_count=3, default_retry_label=True))
