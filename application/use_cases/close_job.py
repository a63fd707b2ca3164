"""Close a posting: it leaves search, matches and mails at once, and stays stored (never deleted), with its
actions and mail history.

Rules: as EditJob, the caller must manage the job (an employer its company's, an admin any); closing a
closed posting changes nothing. An expiry still ahead is brought to now, so the posting reads as ended.
"""

import uuid
from dataclasses import dataclass

from application.ports import Clock, MatchInvalidation, UnitOfWork
from application.use_cases.edit_job import managed_job
from domain.job import Job
from domain.jst import as_utc
from domain.roles import Role


@dataclass(frozen=True)
class CloseJobCommand:
    actor_id: uuid.UUID
    actor_role: Role
    job_id: uuid.UUID


class CloseJob:
    def __init__(self, uow: UnitOfWork, clock: Clock, matches: MatchInvalidation) -> None:
        self._uow = uow
        self._clock = clock
        self._matches = matches

    async def __call__(self, command: CloseJobCommand) -> Job:
        now = self._clock.now()
        async with self._uow as uow:
            job = await managed_job(uow, command.actor_id, command.actor_role, command.job_id)
            if not job.is_active:
                return job
            job.is_active = False
            if job.expires_at is None or as_utc(job.expires_at) > now:
                job.expires_at = now
            job.updated_at = now
            await uow.commit()
        await self._matches.jobs_changed()
        return job
