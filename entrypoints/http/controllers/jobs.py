"""Job postings and what the caller does with them (`/api/v1/jobs`)."""

import uuid
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from application.use_cases.record_action import RecordAction, RecordActionCommand
from application.use_cases.search_jobs import SearchJobs, SearchJobsQuery
from application.use_cases.show_job import ShowJob
from domain.errors import InvalidInput
from domain.job import Job
from entrypoints.http.auth import Caller, needs
from entrypoints.http.openapi_docs import AUTHENTICATED, problems
from entrypoints.http.schemas import ActionIn, ActionOut, JobOut, JobPageOut

_QUERY_NAMES = {"job_type": "jobType", "min_hourly_wage": "minHourlyWage"}


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
        try:
            page = await use_case(query)
        except InvalidInput as error:  # name the parameter as the client spelled it
            raise InvalidInput(_QUERY_NAMES.get(error.field, error.field), error.message) from None
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
