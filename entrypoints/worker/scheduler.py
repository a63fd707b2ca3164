"""`mailscore scheduler`: fires the campaigns' daily runs at their cron time in Japan time.

One scheduler acts at a time (a Redis lock; others wait as hot standbys). Each tick asks
FireDueSchedules what is due; nothing fires merely because the scheduler started (see its rules). The same
tick sweeps the jobs that expired since the last sweep into a job-changed event (SweepExpiredJobs)."""

import asyncio
import contextlib
import logging

from dishka import AsyncContainer, Provider

from application.use_cases.fire_due_schedules import FireDueSchedules
from application.use_cases.sweep_expired_jobs import SweepExpiredJobs
from entrypoints.config import Settings
from entrypoints.worker.main import worker_broker

logger = logging.getLogger("mailscore.scheduler")
LEADER_KEY_SUFFIX = ":scheduler-leader"


async def _tick(container: AsyncContainer) -> None:
    """Fire what is due, then sweep expired jobs: each step alone, so a failing one (the database or the
    queue away for a moment) is logged and tried again next tick, and never stops the other or the loop."""
    try:
        async with container() as request:
            for fired in await (await request.get(FireDueSchedules))():
                logger.info("%s: firing of %s %s", fired.schedule_id, fired.fire_at.isoformat(), fired.outcome)
    except Exception:
        logger.exception("firing due schedules failed; trying again next tick")
    try:
        async with container() as request:
            swept = await (await request.get(SweepExpiredJobs))()
        if swept is not None and swept.job_ids:
            logger.info("%d jobs expired in (%s, %s]: queued as changed", len(swept.job_ids),
                        swept.since.isoformat(), swept.until.isoformat())  # fmt: skip
    except Exception:
        logger.exception("sweeping expired jobs failed; trying again next tick")


async def run_scheduler(
    settings: Settings, *overrides: Provider, tick_seconds: float = 5.0, stop: asyncio.Event | None = None
) -> None:
    """Until `stop` is set. Without Redis the queued runs execute inside this process (in-memory broker)."""
    stop = stop or asyncio.Event()
    broker, container = worker_broker(settings, *overrides)
    await broker.startup()
    leader = None
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        from adapters.queue.leader_lock import RedisLeaderLock

        redis = Redis.from_url(settings.redis_url)
        leader = RedisLeaderLock(redis, settings.queue_name + LEADER_KEY_SUFFIX, ttl_seconds=max(3 * tick_seconds, 15))
    try:
        while not stop.is_set():
            if leader is None or await leader.hold():
                await _tick(container)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick_seconds)
    finally:
        if leader is not None:
            await leader.release()
        if redis is not None:
            await redis.aclose()
        await broker.shutdown()
        await container.close()
