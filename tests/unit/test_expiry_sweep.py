"""Jobs expiring with no edit: the scheduler's sweep (SweepExpiredJobs) queues each once, at the end of
its JST day, continuing from its stored watermark after a restart; the event (RescoreChangedJobs) drops
the dead job's stored scores and moves the match cache's generation, so nobody is shown or mailed it."""

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.cache.in_process import InProcessCache
from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from application.match_cache import GLOBAL_GENERATION, MatchCache, MatchCacheSettings
from application.ports import ScoreRecord
from application.use_cases.rescore_changed_jobs import JobsChangedCommand
from application.use_cases.sweep_expired_jobs import EXPIRY_SWEEP, SweepExpiredJobs, SweepOptions
from domain.jst import at_jst, end_of_day_jst
from tests.fakes import RecordingQueue
from tests.unit.test_events import rescorer
from tests.unit.test_run_daily_mail import RUN_DATE, Cast, World, make_job

DAY = date(2026, 3, 10)


def sweeper(store: InMemoryStore, clock: FixedClock, queue: RecordingQueue, **options: object) -> SweepExpiredJobs:
    """A fresh use-case, as a (re)started scheduler builds it: it keeps nothing between sweeps itself."""
    return SweepExpiredJobs(InMemoryUnitOfWork(store), queue, clock, SweepOptions(**options))  # type: ignore[arg-type]


async def add_jobs(store: InMemoryStore, *expiry_days: date) -> list[uuid.UUID]:
    jobs = [make_job(f"求人{n}", expires_at=end_of_day_jst(day)) for n, day in enumerate(expiry_days)]
    async with InMemoryUnitOfWork(store) as uow:
        for job in jobs:
            await uow.jobs.add(job)
        await uow.commit()
    return [job.id for job in jobs]


async def test_a_job_is_swept_once_when_its_jst_day_ends() -> None:
    store, queue, clock = InMemoryStore(), RecordingQueue(), FixedClock(at_jst(DAY, 12))
    today, tomorrow = await add_jobs(store, DAY, DAY + timedelta(days=1))
    sweep = sweeper(store, clock, queue)
    await sweep()  # the first sweep sets the watermark; nothing has expired in the lookback
    assert queue.changed_jobs == []
    clock.moment = at_jst(DAY, 23, 59)  # still the stated day in Japan: open
    await sweep()
    assert queue.changed_jobs == []
    clock.moment = at_jst(DAY + timedelta(days=1), 0, 0)  # 00:00 JST = 15:00 UTC the day before
    swept = await sweep()
    assert swept is not None
    assert swept.job_ids == [today]
    assert queue.changed_jobs == [[today]]
    clock.moment += timedelta(seconds=5)
    await sweep()
    clock.moment += timedelta(hours=6)
    await sweep()
    assert queue.changed_jobs == [[today]]  # never again
    clock.moment = at_jst(DAY + timedelta(days=2), 0, 0) + timedelta(seconds=30)
    await sweep()
    assert queue.changed_jobs == [[today], [tomorrow]]


async def test_a_restart_continues_from_the_stored_watermark() -> None:
    store, clock = InMemoryStore(), FixedClock(at_jst(DAY, 20))
    (first, during, later) = await add_jobs(store, DAY, DAY + timedelta(days=2), DAY + timedelta(days=5))
    before = RecordingQueue()
    await sweeper(store, clock, before)()
    clock.moment = at_jst(DAY + timedelta(days=1), 0, 1)
    await sweeper(store, clock, before)()
    assert before.changed_jobs == [[first]]
    assert store.watermarks[EXPIRY_SWEEP] == clock.moment
    # The scheduler is down for three days; the new process sweeps the whole window it missed, once.
    after = RecordingQueue()
    clock.moment = at_jst(DAY + timedelta(days=4), 9)
    swept = await sweeper(store, clock, after)()
    assert swept is not None
    assert swept.since == at_jst(DAY + timedelta(days=1), 0, 1)
    assert after.changed_jobs == [[during]]
    await sweeper(store, clock, after)()
    assert after.changed_jobs == [[during]]
    assert later not in {j for event in before.changed_jobs + after.changed_jobs for j in event}


async def test_a_failed_queue_leaves_the_window_to_sweep_again() -> None:
    store, clock = InMemoryStore(), FixedClock(at_jst(DAY, 20))
    (job,) = await add_jobs(store, DAY)
    await sweeper(store, clock, RecordingQueue())()
    mark = store.watermarks[EXPIRY_SWEEP]

    class DownQueue(RecordingQueue):
        async def jobs_changed(self, job_ids: object) -> None:
            raise ConnectionError("redis is restarting")

    clock.moment = at_jst(DAY + timedelta(days=1), 0, 10)
    with pytest.raises(ConnectionError):
        await sweeper(store, clock, DownQueue())()
    assert store.watermarks[EXPIRY_SWEEP] == mark  # not moved: the next tick sweeps the window again
    queue = RecordingQueue()
    await sweeper(store, clock, queue)()
    assert queue.changed_jobs == [[job]]


async def test_a_large_window_is_queued_in_bounded_events() -> None:
    store, clock, queue = InMemoryStore(), FixedClock(at_jst(DAY, 20)), RecordingQueue()
    ids = await add_jobs(store, *([DAY] * 5))
    await sweeper(store, clock, queue, jobs_per_event=2)()
    clock.moment = at_jst(DAY + timedelta(days=1), 1)
    await sweeper(store, clock, queue, jobs_per_event=2)()
    assert [len(event) for event in queue.changed_jobs] == [2, 2, 1]
    assert sorted(j for event in queue.changed_jobs for j in event) == sorted(ids)


def stored(user_id: uuid.UUID, job_id: uuid.UUID, at: datetime) -> ScoreRecord:
    return ScoreRecord(user_id, job_id, 70.0, 60.0, 50.0, 65.0, "{}", at)


async def test_the_expired_jobs_event_drops_its_stored_scores_and_moves_the_cache(tmp_path: Path) -> None:
    w, c = World(tmp_path / "outbox"), Cast()
    await w.add(*c.audience, c.cafe)
    expiring = make_job("今日まで", expires_at=end_of_day_jst(RUN_DATE))
    await w.add(expiring)
    made_at = at_jst(RUN_DATE, 9)
    w.store.scores[c.hanako.id] = {j: stored(c.hanako.id, j, made_at) for j in (expiring.id, c.cafe.id)}
    w.store.scores[c.taro.id] = {expiring.id: stored(c.taro.id, expiring.id, made_at)}
    cache = InProcessCache()
    matches = MatchCache(cache, MatchCacheSettings())
    generation = await cache.get(GLOBAL_GENERATION)
    # The sweep just after the end of the day queued it; the worker handles the event.
    after_the_day = at_jst(RUN_DATE + timedelta(days=1), 0, 0) + timedelta(seconds=5)
    rescore, notifier = rescorer(w, now=after_the_day, matches=matches)
    done = await rescore(JobsChangedCommand([expiring.id], "sweep-1"))
    assert (done.open_jobs, done.alerted, notifier.events) == (0, {}, [])  # an expired job alerts nobody
    assert done.scores_dropped == 2
    assert set(w.store.scores[c.hanako.id]) == {c.cafe.id}  # the open job's score stays
    assert w.store.scores[c.taro.id] == {}
    assert await cache.get(GLOBAL_GENERATION) != generation
    again = await rescore(JobsChangedCommand([expiring.id], "sweep-1"))  # a redelivery changes nothing more
    assert again.scores_dropped == 0
