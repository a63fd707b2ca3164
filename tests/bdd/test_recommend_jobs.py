"""Steps of features/recommend_jobs.feature, driving RecommendJobs on the in-memory storage."""

from pytest_bdd import parsers, scenarios, then, when

from application.use_cases.recommend_jobs import Recommendation, RecommendedJob, RecommendJobs, RecommendQuery
from tests.bdd.conftest import REFERENCE, World

scenarios("recommend_jobs.feature")


@when(parsers.parse('"{name}" asks for recommendations'), target_fixture="recommendation")
def ask(world: World, name: str) -> Recommendation:
    use_case = RecommendJobs(world.uow(), REFERENCE, world.clock())
    return world.runner.run(use_case(RecommendQuery(world.users[name].id)))


def titles(recommendation: Recommendation) -> list[str]:
    return [r.job.title for r in recommendation.jobs]


@then(parsers.parse('the first job is "{title}"'), target_fixture="shown")
def first_job(recommendation: Recommendation, title: str) -> RecommendedJob:
    assert titles(recommendation)[:1] == [title], titles(recommendation)
    return recommendation.jobs[0]


@then(parsers.parse('its reasons include one starting with "{prefix}"'))
def reason_starting_with(shown: RecommendedJob, prefix: str) -> None:
    assert any(r.startswith(prefix) for r in shown.reasons), shown.reasons


@then(parsers.parse('its reasons include "{reason}"'))
def reason_included(shown: RecommendedJob, reason: str) -> None:
    assert reason in shown.reasons


@then(parsers.parse('"{title}" is recommended'))
def recommended(recommendation: Recommendation, title: str) -> None:
    assert title in titles(recommendation)


@then(parsers.parse('"{title}" is not recommended'))
def not_recommended(recommendation: Recommendation, title: str) -> None:
    assert title not in titles(recommendation)
