"""The scheduler's expiry sweep: jobs whose expiry passed since the last sweep are queued as a job-changed
event, the same event an edit queues, so their stored matches are dropped and the match cache is told.

Rules:
- A job expires at the end of its stated day in JST (domain.job: `expires_at` is that instant in UTC); it
  is swept by the first sweep at or after that instant, with no edit needed. Only active jobs are swept:
  closing a job is a change that queues its own event.
- The sweep's watermark (`swept_until`, stored) says how far it has gone: each sweep takes the expiries in
  (watermark, now] and moves the watermark to now, so a restarted scheduler continues where it stopped,
  missing no window after downtime and repeating none. The very first sweep looks back `first_lookback`.
- The event is queued before the watermark commits: a crash in between sweeps that window again (events
  are idempotent), never skips it. If another sweeper moved the watermark first, nothing is committed.
- A large window is queued in events of at most `jobs_per_event` jobs, to keep messages small.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports import Clock, TaskQueue, UnitOfWork
from domain.jst import as_utc

EXPIRY_SWEEP = "jobs:expiry"


@dataclass(frozen=True)
class SweepOptions:
    first_lookback: timedelta = timedelta(days=1)
    jobs_per_event: int = 1000


@dataclass(frozen=True)
class ExpirySwept:
    since: datetime
    until: datetime
    job_ids: list[uuid.UUID]  # queued as changed, earliest expiry first


class SweepExpiredJobs:
    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock, options: SweepOptions) -> None:
        self._uow, self._queue, self._clock, self._options = uow, queue, clock, options

    async def __call__(self) -> ExpirySwept | None:
        """The window swept now; None when there was none (the clock has not moved past the watermark,
        or another sweeper took the window)."""
        now = as_utc(self._clock.now())
        async with self._uow as uow:
            mark = await uow.schedule.watermark(EXPIRY_SWEEP)
            since = now - self._options.first_lookback if mark is None else as_utc(mark)
            if now <= since:
                return None
            expired = await uow.jobs.expired_between(since, now)
            size = self._options.jobs_per_event
            for start in range(0, len(expired), size):
                await self._queue.jobs_changed(expired[start : start + size])
            if not await uow.schedule.advance_watermark(EXPIRY_SWEEP, mark, now):
                return None
            await uow.commit()
        return ExpirySwept(since, now, expired)
