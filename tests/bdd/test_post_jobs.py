"""Steps of features/post_jobs.feature, driving PostJob and EditJob on the in-memory storage."""

import uuid

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.cache.in_process import InProcessCache
from application.errors import PermissionDenied
from application.job_drafts import JobDraft
from application.links import LinkSigner
from application.match_cache import MatchCache, MatchCacheSettings
from application.paging import CursorCodec
from application.use_cases.edit_job import EditJob, EditJobCommand
from application.use_cases.post_job import PostJob, PostJobCommand
from application.use_cases.search_jobs import SearchJobs, SearchJobsQuery
from domain.company import Company
from domain.errors import BelowMinimumWage, DomainError
from domain.roles import Role
from domain.user import User
from tests.bdd.conftest import REFERENCE, World
from tests.fakes import RecordingQueue

scenarios("post_jobs.feature")


@pytest.fixture
def outcome() -> dict[str, object]:
    return {}


@given(parsers.parse('an employer "{name}" of the company "{company}"'))
def employer(world: World, name: str, company: str) -> None:
    firm = Company(uuid.uuid4(), company)
    user = User(uuid.uuid4(), f"{name}@example.jp", full_name=name, role=Role.EMPLOYER.value, company_id=firm.id)

    async def add() -> None:
        async with world.uow() as uow:
            await uow.companies.add(firm)
            await uow.users.add(user)
            await uow.commit()

    world.runner.run(add())
    world.users[name] = user


def _post(world: World, name: str, title: str, prefecture: int, wage: int) -> None:
    draft = JobDraft(title=title, job_type="カフェ", hourly_wage=wage, prefecture_code=f"{prefecture:02d}")
    use_case = PostJob(world.uow(), REFERENCE, world.clock(), MatchCache(InProcessCache(), MatchCacheSettings()),
                       RecordingQueue())  # fmt: skip
    job = world.runner.run(use_case(PostJobCommand(world.users[name].id, Role.EMPLOYER, draft)))
    world.jobs[title] = job


@given(parsers.parse('"{name}" posted a job "{title}" in prefecture {prefecture:d} paying {wage:d} yen an hour'))
def posted(world: World, name: str, title: str, prefecture: int, wage: int) -> None:
    _post(world, name, title, prefecture, wage)


@when(parsers.parse('"{name}" posts a job "{title}" in prefecture {prefecture:d} paying {wage:d} yen an hour'))
def posts(world: World, outcome: dict[str, object], name: str, title: str, prefecture: int, wage: int) -> None:
    try:
        _post(world, name, title, prefecture, wage)
    except DomainError as error:
        outcome["error"] = error


@when(parsers.parse('"{name}" changes the wage of "{title}" to {wage:d} yen'))
def changes_wage(world: World, outcome: dict[str, object], name: str, title: str, wage: int) -> None:
    command = EditJobCommand(world.users[name].id, Role.EMPLOYER, world.jobs[title].id, JobDraft(hourly_wage=wage))
    try:
        edit = EditJob(world.uow(), REFERENCE, world.clock(), MatchCache(InProcessCache(), MatchCacheSettings()),
                       RecordingQueue())  # fmt: skip
        world.runner.run(edit(command))
    except DomainError as error:
        outcome["error"] = error


@then(parsers.parse('the posting is refused on the field "{field}"'))
def refused_on(outcome: dict[str, object], field: str) -> None:
    error = outcome.get("error")
    assert isinstance(error, BelowMinimumWage), error
    assert error.field == field


@then(parsers.parse("the refusal names the wage {wage:d} and the legal minimum {legal:d}"))
def refusal_names(outcome: dict[str, object], wage: int, legal: int) -> None:
    error = outcome["error"]
    assert isinstance(error, BelowMinimumWage)
    assert (error.wage, error.legal_minimum) == (wage, legal)
    assert f"{wage} JPY" in str(error)
    assert f"{legal} JPY" in str(error)


def _listed(world: World) -> list[tuple[str, str]]:
    search = SearchJobs(world.uow(), REFERENCE, world.clock(), CursorCodec(LinkSigner(b"k" * 32)))
    page = world.runner.run(search(SearchJobsQuery(limit="100")))
    return [(job.title, job.company_name) for job in page.jobs]


@then(parsers.parse('no job "{title}" is listed'))
def not_listed(world: World, title: str) -> None:
    assert title not in [t for t, _ in _listed(world)]


@then(parsers.parse('the job "{title}" is listed for the company "{company}"'))
def listed_for(world: World, title: str, company: str) -> None:
    assert (title, company) in _listed(world)


@then("the change is refused as not allowed")
def not_allowed(outcome: dict[str, object]) -> None:
    assert isinstance(outcome.get("error"), PermissionDenied), outcome
