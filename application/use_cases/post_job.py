"""An employer (or an admin) posts a job.

Rules: the caller's account must exist; an employer posts for its own company (an account without one
cannot post; naming another company is PermissionDenied); an admin names the company (`company_id`) unless
its own account has one. Title, job type, hourly wage and a place are required; the draft rules are in
application/job_drafts.py, and the wage must be at least the legal minimum in force for the prefecture
today (JST). The job is open from now, and recorded with its company and the posting account. An admin's
posting is audited as `job.post` (as EditJob).
"""

import uuid
from dataclasses import dataclass

from application.auditing import Actor, AuditTarget, audited
from application.errors import PermissionDenied
from application.job_drafts import JobDraft, check_wage, draft_fields
from application.ports import Clock, MatchInvalidation, ReferenceData, TaskQueue, UnitOfWork
from application.use_cases.edit_job import admin_job_target
from domain.company import Company
from domain.errors import InvalidInput, NotFound
from domain.job import Job
from domain.jst import jst_date
from domain.roles import Role

REQUIRED = ("title", "job_type", "hourly_wage")


@dataclass(frozen=True)
class PostJobCommand:
    actor_id: uuid.UUID
    actor_role: Role
    draft: JobDraft
    company_id: uuid.UUID | None = None

    @property
    def actor(self) -> Actor:
        return Actor.user(self.actor_id)


def _describe(command: PostJobCommand, job: Job) -> AuditTarget | None:
    return admin_job_target(command.actor_role, job, {"title": job.title})


@audited("job.post", _describe)
class PostJob:
    def __init__(
        self, uow: UnitOfWork, reference: ReferenceData, clock: Clock, matches: MatchInvalidation, events: TaskQueue
    ) -> None:
        self._events = events
        self._uow = uow
        self._reference = reference
        self._clock = clock
        self._matches = matches

    async def __call__(self, command: PostJobCommand) -> Job:
        now = self._clock.now()
        today = jst_date(now)
        draft = command.draft
        for field in REQUIRED:
            if getattr(draft, field) is None:
                raise InvalidInput(field, "required")
        if not {"station_code", "municipality_code", "prefecture_code"} & draft.given():
            raise InvalidInput("station_code", "give station_code, municipality_code or prefecture_code")
        fields = draft_fields(self._reference, draft, today)
        async with self._uow as uow:
            company = await self._company(uow, command)
            check_wage(self._reference, str(fields["prefecture_code"]), draft.hourly_wage or 0, today)
            job = Job(
                id=uuid.uuid4(), company_name=company.name, company_id=company.id, employer_id=command.actor_id,
                posted_at=now, created_at=now, updated_at=now, **fields,  # type: ignore[arg-type]
            )  # fmt: skip
            await uow.jobs.add(job)
            await uow.commit()
        return job

    async def after_commit(self, command: PostJobCommand, job: Job) -> None:
        await self._matches.jobs_changed()
        await self._events.jobs_changed([job.id])  # rescored against nearby users, who are alerted

    async def _company(self, uow: UnitOfWork, command: PostJobCommand) -> Company:
        actor = await uow.users.get(command.actor_id)
        if actor is None:
            raise NotFound("user", command.actor_id)
        if not command.actor_role.at_least(Role.ADMIN):
            if actor.company_id is None:
                raise PermissionDenied("create:jobs (this account belongs to no company)")
            if command.company_id is not None and command.company_id != actor.company_id:
                raise PermissionDenied("create:jobs (for another company)")
        company_id = command.company_id or actor.company_id
        if company_id is None:
            raise InvalidInput("company_id", "required: the company the job is posted for")
        company = await uow.companies.get(company_id)
        if company is None:
            raise InvalidInput("company_id", f"no company {company_id}")
        return company
