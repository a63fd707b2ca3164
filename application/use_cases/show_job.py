"""One job posting. Rules: the job must exist (an inactive or expired job is still shown, as it is)."""

import uuid

from application.ports import UnitOfWork
from domain.errors import NotFound
from domain.job import Job


class ShowJob:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, job_id: uuid.UUID) -> Job:
        async with self._uow as uow:
            job = await uow.jobs.get(job_id)
        if job is None:
            raise NotFound("job", job_id)
        return job
