"""An employer edits one of its company's postings (an admin any posting).

Rules: the job must exist (NotFound); a caller who may not manage it (domain Job.managed_by) gets
PermissionDenied, not NotFound: postings are public, so hiding one hides nothing. Fields given replace the
job's; a place given (station, municipality or prefecture code) replaces the whole place. The draft rules
are in application/job_drafts.py; the resulting wage must be at least the legal minimum in force for the
resulting prefecture today (JST), even when only another field changed, because the posting is offered
now. A closed posting can still be corrected; it stays closed.

Audited as `job.edit` (the company and the names of the fields changed) whenever an admin or super admin
edits, whichever company the posting is of: an admin's power over postings is over every company's, so
all its uses are recorded, its own company's included. An employer's edits of its own postings are not
admin actions and are not recorded; nor is an edit that changes nothing.
"""

import uuid
from dataclasses import dataclass

from application.auditing import Actor, AuditTarget, audited
from application.errors import PermissionDenied
from application.job_drafts import JobDraft, check_wage, draft_fields
from application.parsing import apply_changes, changed_fields
from application.ports import Clock, MatchInvalidation, ReferenceData, TaskQueue, UnitOfWork
from domain.errors import NotFound
from domain.job import Job
from domain.jst import jst_date
from domain.roles import Role


@dataclass(frozen=True)
class EditJobCommand:
    actor_id: uuid.UUID
    actor_role: Role
    job_id: uuid.UUID
    draft: JobDraft

    @property
    def actor(self) -> Actor:
        return Actor.user(self.actor_id)


@dataclass(frozen=True)
class JobEdited:
    job: Job
    changed: list[str]  # the fields that changed, none when the edit changed nothing


def admin_job_target(role: Role, job: Job, details: dict[str, object]) -> AuditTarget | None:
    """An admin's change to a posting, as the audit trail records it; None for an employer's own."""
    if not role.at_least(Role.ADMIN):
        return None
    company = None if job.company_id is None else str(job.company_id)
    return AuditTarget("job", str(job.id), {"company_id": company, **details})


def _describe(command: EditJobCommand, result: JobEdited) -> AuditTarget | None:
    if not result.changed:
        return None
    return admin_job_target(command.actor_role, result.job, {"changed": result.changed})


async def managed_job(uow: UnitOfWork, actor_id: uuid.UUID, role: Role, job_id: uuid.UUID) -> Job:
    """The job, if the actor may manage it (see the module docstring of edit_job)."""
    job = await uow.jobs.get(job_id)
    if job is None:
        raise NotFound("job", job_id)
    actor = await uow.users.get(actor_id)
    if actor is None:
        raise NotFound("user", actor_id)
    if not job.managed_by(role, actor.company_id):
        raise PermissionDenied("update:own_jobs (this job belongs to another company)")
    return job


@audited("job.edit", _describe)
class EditJob:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation, events: TaskQueue
    ) -> None:
        self._events = events
        self._uow = uow
        self._reference = reference
        self._clock = clock
        self._matches = matches

    async def __call__(self, command: EditJobCommand) -> JobEdited:
        now = self._clock.now()
        today = jst_date(now)
        fields = draft_fields(self._reference, command.draft, today)
        async with self._uow as uow:
            job = await managed_job(uow, command.actor_id, command.actor_role, command.job_id)
            prefecture = fields.get("prefecture_code", job.prefecture_code)
            wage = fields.get("hourly_wage", job.hourly_wage)
            assert isinstance(prefecture, str)
            assert isinstance(wage, int)
            check_wage(self._reference, prefecture, wage, today)
            changed = changed_fields(job, fields)
            if changed:
                apply_changes(job, {name: fields[name] for name in changed})
                job.updated_at = now
                await uow.commit()
        return JobEdited(job, changed)

    async def after_commit(self, command: EditJobCommand, result: JobEdited) -> None:
        await self._matches.jobs_changed()
        await self._events.jobs_changed([result.job.id])  # rescored against nearby users, who are alerted
