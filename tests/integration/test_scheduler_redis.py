"""The scheduler process loop on PostgreSQL and Redis, with a controllable clock: two schedulers running,
one acts (Redis lock); nothing fires at start-up; the run is queued once at the campaign's JST hour."""

import asyncio
import uuid
from datetime import date, timedelta

import pytest
from dishka import Provider, Scope, provide

from adapters.clock import FixedClock
from adapters.sqlalchemy import migrate
from adapters.sqlalchemy.engine import create_session_factory
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from application.ports import Clock, TaskQueue
from domain.campaign import Campaign
from domain.jst import at_jst
from entrypoints.config import Settings
from entrypoints.worker.scheduler import run_scheduler
from tests.conftest import EngineFactory
from tests.fakes import RecordingQueue

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
DAY = date(2026, 12, 3)


class Controlled(Provider):
    def __init__(self, clock: FixedClock, queue: RecordingQueue) -> None:
        super().__init__()
        self._clock, self._queue = clock, queue

    @provide(scope=Scope.APP, override=True)
    def clock(self) -> Clock:
        return self._clock

    @provide(scope=Scope.APP, override=True)
    def queue(self) -> TaskQueue:
        return self._queue


async def wait_until(condition: object, seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_two_schedulers_fire_the_run_once_at_its_jst_hour_and_not_at_start_up(
    empty_postgres_url: str, redis_url: str, redis_key_prefix: str, engine_factory: EngineFactory
) -> None:
    await migrate.upgrade(empty_postgres_url)
    sessions = create_session_factory(engine_factory(empty_postgres_url))
    async with SqlAlchemyUnitOfWork(sessions) as uow:
        await uow.campaigns.add(Campaign(uuid.uuid4(), "daily", send_hour_jst=8))
        await uow.commit()
    settings = Settings(database_url=empty_postgres_url, redis_url=redis_url,
                        queue_name=f"{redis_key_prefix}sched", schedule_lateness_seconds=600)  # fmt: skip
    clock = FixedClock(at_jst(DAY, 7, 58))
    queues = [RecordingQueue(), RecordingQueue()]
    stop = asyncio.Event()
    schedulers = [
        asyncio.create_task(run_scheduler(settings, Controlled(clock, q), tick_seconds=0.05, stop=stop)) for q in queues
    ]
    try:
        await asyncio.sleep(0.6)  # a dozen ticks at 07:58 JST
        assert [q.starts for q in queues] == [[], []]
        clock.moment = at_jst(DAY, 8, 0)
        await wait_until(lambda: any(q.starts for q in queues))
        await asyncio.sleep(0.3)
        assert sorted(s for q in queues for s in q.starts) == [("daily", DAY)]
        clock.moment = at_jst(DAY, 9, 0)
        await asyncio.sleep(0.3)
        assert sum(len(q.starts) for q in queues) == 1
    finally:
        stop.set()
        await asyncio.gather(*schedulers)
    async with SqlAlchemyUnitOfWork(sessions) as uow:
        fires = await uow.schedule.fires("campaign:daily")
    assert [(f.fire_at, f.outcome) for f in fires] == [
        (at_jst(DAY, 8), "started"), (at_jst(DAY - timedelta(days=1), 8), "missed"),
    ]  # fmt: skip


async def test_one_leader_at_a_time_and_a_dead_leaders_lock_expires(redis_url: str, redis_key_prefix: str) -> None:
    from redis.asyncio import Redis

    from adapters.queue.leader_lock import RedisLeaderLock

    redis = Redis.from_url(redis_url)
    key = f"{redis_key_prefix}leader"
    try:
        first, second = RedisLeaderLock(redis, key, 0.3), RedisLeaderLock(redis, key, 0.3)
        assert await first.hold()
        assert not await second.hold()
        assert await first.hold()  # renewed by its holder
        await second.release()  # not the holder: changes nothing
        assert not await second.hold()
        await first.release()
        assert await second.hold()
        await asyncio.sleep(0.5)  # the holder died: its lock expires
        assert await first.hold()
        assert not await second.hold()
    finally:
        await redis.delete(key)
        await redis.aclose()
