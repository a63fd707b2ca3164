"""Job postings and what the caller does with them (`/api/v1/jobs`)."""

import uuid

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from application.use_cases.record_action import RecordAction, RecordActionCommand
from application.use_cases.show_job import ShowJob
from entrypoints.http.auth import Caller, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import ActionIn, ActionOut, JobOut


class JobController(Controller):
    path = "/jobs"
    tags = ("jobs",)

    @get(
        "/{job_id:uuid}",
        summary="One job posting",
        responses=problems(*AUTHENTICATED, 404),
        **needs("read:jobs", api_key=True),
    )
    async def show(self, job_id: FromPath[uuid.UUID], use_case: FromDishka[ShowJob]) -> JobOut:
        job = await use_case(job_id)
        return JobOut(
            id=job.id,
            title=job.title,
            company_name=job.company_name,
            job_type=job.job_type,
            hourly_wage=job.hourly_wage,
            prefecture=job.prefecture,
            city=job.city,
            nearest_station=job.nearest_station,
            walking_minutes=job.walking_minutes,
            description=job.description,
            industry=job.industry,
            posted_at=job.posted_at,
            expires_at=job.expires_at,
            is_active=job.is_active,
            generated=job.generated,
        )

    @post(
        "/{job_id:uuid}/actions",
        status_code=HTTP_201_CREATED,
        summary="Record what the caller did with a job (view, click, favorite, apply, dismiss, ...)",
        responses=problems(*AUTHENTICATED, 404, 422),
        **needs("read:jobs"),
    )
    async def record_action(
        self,
        caller: NamedDependency[Caller],
        job_id: FromPath[uuid.UUID],
        data: JSONBody[ActionIn],
        use_case: FromDishka[RecordAction],
    ) -> ActionOut:
        action = await use_case(RecordActionCommand(caller.user_id, job_id, data.kind))
        return ActionOut(id=action.id, job_id=action.job_id, kind=action.kind.value, occurred_at=action.occurred_at)
