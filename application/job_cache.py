"""Job postings read by id, kept in this process while no job changes (`GET /api/v1/jobs/{id}`).

Every change to a posting through the application (post, edit, close, import of users' jobs) bumps the
shared `matches:gen` counter (MatchInvalidation.jobs_changed), in Redis when configured, so every process
sees it. A job kept here is used only while the counter still reads as it did before the job was loaded,
and never longer than `ttl` seconds (a change made without the counter, such as a `mailscore import` into
a server on the in-process cache, shows within that time: the sketch's api_responses lifetime). A reader
that loads while a change commits keeps the job under the old generation, which the bump leaves behind.
"""

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.match_cache import GLOBAL_GENERATION
from application.ports import Cache, Clock
from domain.job import Job


@dataclass(frozen=True, slots=True)
class JobCacheSettings:
    ttl: int = 300  # seconds
    size: int = 4096  # jobs kept at most (least recently read go first)


class JobCache:
    def __init__(self, cache: Cache, clock: Clock, settings: JobCacheSettings) -> None:
        self._cache = cache
        self._clock = clock
        self._settings = settings
        self._kept: OrderedDict[uuid.UUID, tuple[bytes, datetime, Job]] = OrderedDict()

    async def generation(self) -> bytes:
        """Read before loading a job, and give it to `keep`."""
        return await self._cache.get(GLOBAL_GENERATION) or b"0"

    def get(self, job_id: uuid.UUID, generation: bytes) -> Job | None:
        found = self._kept.get(job_id)
        if found is None:
            return None
        kept_generation, kept_at, job = found
        if kept_generation != generation or self._clock.now() - kept_at >= timedelta(seconds=self._settings.ttl):
            del self._kept[job_id]
            return None
        self._kept.move_to_end(job_id)
        return job

    def keep(self, job: Job, generation: bytes) -> None:
        self._kept[job.id] = (generation, self._clock.now(), job)
        self._kept.move_to_end(job.id)
        while len(self._kept) > self._settings.size:
            self._kept.popitem(last=False)
