"""One job posting. Rules: the job must exist (an inactive or expired job is still shown, as it is).
Read through the JobCache: a job read lately and unchanged since is not read from storage again."""

import uuid

from application.job_cache import JobCache
from application.ports import CacheStats, UnitOfWork
from domain.errors import NotFound
from domain.job import Job

CACHE_NAME = "jobs"


class ShowJob:
    def __init__(self, uow: UnitOfWork, jobs: JobCache, stats: CacheStats) -> None:
        self._uow = uow
        self._jobs = jobs
        self._stats = stats

    async def __call__(self, job_id: uuid.UUID) -> Job:
        generation = await self._jobs.generation()
        job = self._jobs.get(job_id, generation)
        if job is not None:
            self._stats.hit(CACHE_NAME)
            return job
        self._stats.miss(CACHE_NAME)
        async with self._uow as uow:
            job = await uow.jobs.get(job_id)
        if job is None:
            raise NotFound("job", job_id)
        self._jobs.keep(job, generation)
        return job
