"""Job postings and what the caller does with them (`/api/v1/jobs`)."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from application.job_drafts import JobDraft
from application.use_cases.close_job import CloseJob, CloseJobCommand
from application.use_cases.edit_job import EditJob, EditJobCommand
from application.use_cases.post_job import PostJob, PostJobCommand
from application.use_cases.record_action import RecordAction, RecordActionCommand
from application.use_cases.search_jobs import SearchJobs, SearchJobsQuery
from application.use_cases.show_job import ShowJob
from domain.errors import InvalidInput
from domain.job import Job
from entrypoints.http.auth import Caller, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import ActionIn, ActionOut, JobIn, JobOut, JobPageOut, JobPatch


@asynccontextmanager
async def wire_field_names() -> AsyncIterator[None]:
    """The use-cases name fields in snake_case; a client reads the camelCase it sent."""
    try:
        yield
    except InvalidInput as error:
        head, *rest = error.field.split("_")
        error.field = head + "".join(word.title() for word in rest)
        error.args = (f"{error.field}: {error.message}",)
        raise


def draft_of(data: JobIn | JobPatch) -> JobDraft:
    return JobDraft(
        title=data.title, job_type=data.job_type, hourly_wage=data.hourly_wage, description=data.description,
        industry=data.industry, station_code=data.station_code, municipality_code=data.municipality_code,
        prefecture_code=data.prefecture_code, walking_minutes=data.walking_minutes, work_days=data.work_days,
        work_start=data.work_start, work_end=data.work_end, expires_on=data.expires_on, address=data.address,
    )  # fmt: skip


def job_out(job: Job) -> JobOut:
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
        prefecture_code=job.prefecture_code,
        municipality_code=job.municipality_code,
        station_code=job.station_code,
        posted_at=job.posted_at,
        expires_at=job.expires_at,
        is_active=job.is_active,
        generated=job.generated,
        company_id=job.company_id,
        work_days=job.work_days,
        work_start=job.work_start_time.strftime("%H:%M") if job.work_start_time else None,
        work_end=job.work_end_time.strftime("%H:%M") if job.work_end_time else None,
        address=job.address,
    )


class JobController(Controller):
    path = "/jobs"
    tags = ("jobs",)

    @get(
        "/",
        summary="Search open job postings (place, station, type, industry, wage, keyword), newest first",
        description=(
            "Only active, unexpired postings. Keywords match across full/half width, case and "
            "hiragana/katakana; every word must occur. Page with `limit` (1..100, default 20) and the "
            "`nextCursor` of the previous page. A bad parameter is a 422 problem naming it."
        ),
        responses=problems(*AUTHENTICATED, 422),
        **needs("read:jobs", api_key=True),
    )
    async def search(
        self,
        use_case: FromDishka[SearchJobs],
        prefecture: Annotated[str | None, QueryParameter(description="code (13) or name (東京都)")] = None,
        municipality: Annotated[str | None, QueryParameter(description="JIS X 0402 code or name")] = None,
        station: Annotated[str | None, QueryParameter(description="N02 station code or name (新宿)")] = None,
        job_type: Annotated[str | None, QueryParameter(name="jobType")] = None,
        industry: Annotated[str | None, QueryParameter(description="JSIC rev. 14 code (M, 76, 7671)")] = None,
        min_hourly_wage: Annotated[str | None, QueryParameter(name="minHourlyWage", description="yen")] = None,
        keyword: Annotated[str | None, QueryParameter(description="words, all of which must occur")] = None,
        limit: Annotated[str | None, QueryParameter(description="1..100, default 20")] = None,
        cursor: Annotated[str | None, QueryParameter(description="nextCursor of the previous page")] = None,
    ) -> JobPageOut:
        query = SearchJobsQuery(
            prefecture, municipality, station, job_type, industry, min_hourly_wage, keyword, limit, cursor
        )
        async with wire_field_names():
            page = await use_case(query)
        return JobPageOut(items=[job_out(job) for job in page.jobs], next_cursor=page.next_cursor)

    @get(
        "/{job_id:uuid}",
        summary="One job posting",
        responses=problems(*AUTHENTICATED, 404),
        **needs("read:jobs", api_key=True),
    )
    async def show(self, job_id: FromPath[uuid.UUID], use_case: FromDishka[ShowJob]) -> JobOut:
        return job_out(await use_case(job_id))

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Post a job for the caller's company (admins: for any company)",
        description=(
            "An employer posts for the company its account belongs to. A wage below the legal minimum in "
            "force for the job's prefecture today is refused (422, type below-minimum-wage, naming the field, "
            "the wage and the minimum)."
        ),
        responses=problems(*AUTHENTICATED, 422),
        **needs("create:jobs"),
    )
    async def post_job(
        self, caller: NamedDependency[Caller], data: JSONBody[JobIn], use_case: FromDishka[PostJob]
    ) -> JobOut:
        command = PostJobCommand(caller.user_id, caller.role, draft_of(data), data.company_id)
        async with wire_field_names():
            return job_out(await use_case(command))

    @patch(
        "/{job_id:uuid}",
        summary="Edit a posting of the caller's company (admins: any posting, audited)",
        description="Fields left out stay. Another company's posting is 403; the wage rule of POST applies.",
        responses=problems(*AUTHENTICATED, 404, 422),
        **needs("update:own_jobs"),
    )
    async def edit_job(
        self,
        caller: NamedDependency[Caller],
        job_id: FromPath[uuid.UUID],
        data: JSONBody[JobPatch],
        use_case: FromDishka[EditJob],
    ) -> JobOut:
        async with wire_field_names():
            edited = await use_case(EditJobCommand(caller.user_id, caller.role, job_id, draft_of(data)))
        return job_out(edited.job)

    @delete(
        "/{job_id:uuid}",
        summary="Close a posting (kept, not deleted): it leaves search, matches and mails (admins: audited)",
        responses=problems(*AUTHENTICATED, 404),
        **needs("update:own_jobs"),
    )
    async def close_job(
        self, caller: NamedDependency[Caller], job_id: FromPath[uuid.UUID], use_case: FromDishka[CloseJob]
    ) -> None:
        await use_case(CloseJobCommand(caller.user_id, caller.role, job_id))

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
