"""ShowJob through the JobCache: a job read lately is not read from storage again until any job changes
(the shared generation counter) or its lifetime passes; the generation is read before loading."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.cache.in_process import InProcessCache
from adapters.clock import FixedClock
from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from application.job_cache import JobCache, JobCacheSettings
from application.match_cache import MatchCache, MatchCacheSettings
from application.use_cases.show_job import ShowJob
from domain.errors import NotFound
from domain.job import Job

NOW = datetime(2026, 4, 1, tzinfo=UTC)


class CountingStats:
    def __init__(self) -> None:
        self.results: list[str] = []

    def hit(self, cache: str) -> None:
        self.results.append(f"{cache}:hit")

    def miss(self, cache: str) -> None:
        self.results.append(f"{cache}:miss")


def a_job(title: str = "ホールスタッフ") -> Job:
    return Job(uuid.uuid4(), title, "喫茶まる", "カフェ", 1300, "13", "東京都", "新宿区", NOW - timedelta(days=1))


class World:
    def __init__(self, size: int = 4096) -> None:
        self.store = InMemoryStore()
        self.clock = FixedClock(NOW)
        self.cache = InProcessCache()
        self.jobs = JobCache(self.cache, self.clock, JobCacheSettings(ttl=300, size=size))
        self.matches = MatchCache(self.cache, MatchCacheSettings())
        self.stats = CountingStats()
        self.show = ShowJob(InMemoryUnitOfWork(self.store), self.jobs, self.stats)

    def add(self, job: Job) -> Job:
        self.store.jobs[job.id] = job
        return job


async def test_a_job_read_lately_is_served_until_any_job_changes() -> None:
    world = World()
    job = world.add(a_job())
    shown = await world.show(job.id)
    assert (shown.id, shown.title) == (job.id, job.title)
    del world.store.jobs[job.id]  # storage is not read again while nothing changed...
    assert await world.show(job.id) is shown
    assert world.stats.results == ["jobs:miss", "jobs:hit"]
    await world.matches.jobs_changed()  # ...and is after any change to any job
    with pytest.raises(NotFound):
        await world.show(job.id)


async def test_a_kept_job_is_read_again_after_its_lifetime() -> None:
    world = World()
    job = world.add(a_job())
    await world.show(job.id)
    edited = world.add(replace(job, title="キッチンスタッフ"))
    world.clock.moment = NOW + timedelta(seconds=299)
    assert (await world.show(job.id)).title == "ホールスタッフ"
    world.clock.moment = NOW + timedelta(seconds=300)
    assert (await world.show(job.id)).title == edited.title == "キッチンスタッフ"


async def test_a_change_while_loading_leaves_the_loaded_job_behind() -> None:
    world = World()
    job = world.add(a_job())
    generation = await world.jobs.generation()  # a reader read the counter, then a change committed
    await world.matches.jobs_changed()
    world.jobs.keep(job, generation)  # what the reader loaded is kept under the counter it read
    assert world.jobs.get(job.id, await world.jobs.generation()) is None


async def test_unknown_jobs_are_not_kept_and_the_kept_are_bounded() -> None:
    world = World(size=2)
    missing = uuid.uuid4()
    with pytest.raises(NotFound):
        await world.show(missing)
    late = world.add(replace(a_job(), id=missing))
    assert (await world.show(missing)).id == late.id  # posted since: found (a post bumps the counter anyway)
    others = [world.add(a_job()) for _ in range(2)]
    shown = [await world.show(other.id) for other in others]
    assert world.jobs.get(missing, await world.jobs.generation()) is None  # the least recently read went
    assert world.jobs.get(others[1].id, await world.jobs.generation()) is shown[1]
