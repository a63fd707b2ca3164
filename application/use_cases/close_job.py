"""Close a posting: it leaves search, matches and mails at once, and stays stored (never deleted), with its
actions and mail history.

Rules: as EditJob, the caller must manage the job (an employer its company's, an admin any); closing a
closed posting changes nothing. An expiry still ahead is brought to now, so the posting reads as ended.
Closing queues the job-changed event, whose handler drops the job's stored scores (user_job_scores).
Audited as `job.close` when an admin or super admin closes a posting (as EditJob).
"""

import uuid
from dataclasses import dataclass

from application.auditing import Actor, AuditTarget, audited
from application.ports import Clock, MatchInvalidation, TaskQueue, UnitOfWork
from application.use_cases.edit_job import admin_job_target, managed_job
from domain.job import Job
from domain.jst import as_utc
from domain.roles import Role


@dataclass(frozen=True)
class CloseJobCommand:
    actor_id: uuid.UUID
    actor_role: Role
    job_id: uuid.UUID

    @property
    def actor(self) -> Actor:
        return Actor.user(self.actor_id)


@dataclass(frozen=True)
class JobClosed:
    job: Job
    closed_now: bool  # False: it was closed already


def _describe(command: CloseJobCommand, result: JobClosed) -> AuditTarget | None:
    return admin_job_target(command.actor_role, result.job, {}) if result.closed_now else None


@audited("job.close", _describe)
class CloseJob:
    def __init__(self, uow: UnitOfWork, clock: Clock, matches: MatchInvalidation, events: TaskQueue) -> None:
        self._events = events
        self._uow = uow
        self._clock = clock
        self._matches = matches

    async def __call__(self, command: CloseJobCommand) -> JobClosed:
        now = self._clock.now()
        async with self._uow as uow:
            job = await managed_job(uow, command.actor_id, command.actor_role, command.job_id)
            if not job.is_active:
                return JobClosed(job, closed_now=False)
            job.is_active = False
            if job.expires_at is None or as_utc(job.expires_at) > now:
                job.expires_at = now
            job.updated_at = now
            await uow.commit()
        return JobClosed(job, closed_now=True)

    async def after_commit(self, command: CloseJobCommand, result: JobClosed) -> None:
        await self._matches.jobs_changed()
        if result.closed_now:
            await self._events.jobs_changed([result.job.id])  # its stored scores are dropped
