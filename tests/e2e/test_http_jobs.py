"""The jobs resource over HTTP: search with filters and cursors, 422 problems for bad parameters."""

from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from domain.roles import Role
from tests.e2e.test_http_support import account_with_role, client, seed, shinjuku_job, store

__all__ = ["client", "store"]  # fixtures
PROBLEM = "application/problem+json"


def test_search_filters_keywords_and_pages(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    now = datetime.now(UTC)
    seed(
        store,
        *(shinjuku_job(f"カフェスタッフ{i}", posted_at=now - timedelta(hours=i)) for i in range(5)),
        shinjuku_job("コンビニ夜勤", job_type="コンビニ", hourly_wage=1500),
        shinjuku_job("終了したカフェ", is_active=False),
        shinjuku_job("期限切れのカフェ", expires_at=now - timedelta(minutes=1)),
    )
    auth = account_with_role(client, store, Role.USER)

    response = client.get("/api/v1/jobs", params={"keyword": "ｶﾌｪ", "limit": "2"}, headers=auth)
    assert response.status_code == 200, response.text
    titles, cursor = [j["title"] for j in response.json()["items"]], response.json()["nextCursor"]
    while cursor:
        body = client.get(
            "/api/v1/jobs", params={"keyword": "かふぇ", "limit": 2, "cursor": cursor}, headers=auth
        ).json()
        titles += [j["title"] for j in body["items"]]
        cursor = body["nextCursor"]
    assert titles == [f"カフェスタッフ{i}" for i in range(5)]

    response = client.get("/api/v1/jobs", params={"jobType": "ｺﾝﾋﾞﾆ", "minHourlyWage": "1400", "prefecture": "東京都",
                                                 "station": "新宿"}, headers=auth)  # fmt: skip
    assert [j["title"] for j in response.json()["items"]] == []  # the seeded jobs carry no station code
    response = client.get("/api/v1/jobs", params={"jobType": "ｺﾝﾋﾞﾆ", "minHourlyWage": "1400"}, headers=auth)
    item = response.json()["items"][0]
    assert (item["title"], item["prefectureCode"], item["hourlyWage"]) == ("コンビニ夜勤", "13", 1500)
    assert response.json()["nextCursor"] is None


def test_bad_parameters_are_422_problems_naming_the_parameter(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    auth = account_with_role(client, store, Role.USER)
    for params, field in [
        ({"prefecture": "99"}, "prefecture"),
        ({"minHourlyWage": "千円"}, "minHourlyWage"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "bm90IGEgY3Vyc29y.AAAA"}, "cursor"),
        ({"industry": "??"}, "industry"),
    ]:
        response = client.get("/api/v1/jobs", params=params, headers=auth)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        assert body["errors"][0]["field"] == field, body
        assert body["type"].endswith("/invalid-input")


def test_search_needs_a_token(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/api/v1/jobs").status_code == 401
