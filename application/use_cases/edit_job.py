"""An employer edits one of its company's postings (an admin any posting).

Rules: the job must exist (NotFound); a caller who may not manage it (domain Job.managed_by) gets
PermissionDenied, not NotFound: postings are public, so hiding one hides nothing. Fields given replace the
job's; a place given (station, municipality or prefecture code) replaces the whole place. The draft rules
are in application/job_drafts.py; the resulting wage must be at least the legal minimum in force for the
resulting prefecture today (JST), even when only another field changed, because the posting is offered
now. A closed posting can still be corrected; it stays closed.
"""

import uuid
from dataclasses import dataclass

from application.errors import PermissionDenied
from application.job_drafts import JobDraft, check_wage, draft_fields
from application.parsing import apply_changes
from application.ports import Clock, MatchInvalidation, ReferenceData, UnitOfWork
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


class EditJob:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation
    ) -> None:
        self._uow = uow
        self._reference = reference
        self._clock = clock
        self._matches = matches

    async def __call__(self, command: EditJobCommand) -> Job:
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
            changed = apply_changes(job, fields)
            if changed:
                job.updated_at = now
                await uow.commit()
        if changed:
            await self._matches.jobs_changed()
        return job
