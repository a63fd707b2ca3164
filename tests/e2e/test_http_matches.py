"""GET /api/v1/me/matches over HTTP: cursor pages from the cached snapshot, invalidation, /metrics ratio."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dishka import Provider, Scope, provide
from litestar.testing import TestClient

from adapters.cache.redis_store import RedisCache, redis_client
from adapters.in_memory import InMemoryStore
from application.ports import Cache
from domain.roles import Role
from entrypoints.http.app import create_app
from tests.e2e.test_http_support import (
    InMemoryStorage,
    account_with_role,
    client,
    seed,
    settings_for,
    shinjuku_job,
    store,
)

__all__ = ["client", "store"]  # fixtures


def metric(client: TestClient, line_start: str) -> float:  # type: ignore[type-arg]
    text = client.get("/metrics").text
    return float(next(line for line in text.splitlines() if line.startswith(line_start)).rsplit(" ", 1)[1])


def test_pages_with_a_cursor_hits_and_misses_and_a_dismiss(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    seed(store, *(shinjuku_job(f"カフェ{i}", company_name=f"会社{i}") for i in range(7)))
    auth = account_with_role(client, store, Role.USER)
    assert client.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200

    first = client.get("/api/v1/me/matches", params={"limit": 3}, headers=auth).json()
    titles, cursor = [i["title"] for i in first["items"]], first["nextCursor"]
    while cursor:
        page = client.get("/api/v1/me/matches", params={"limit": 3, "cursor": cursor}, headers=auth).json()
        titles += [i["title"] for i in page["items"]]
        cursor = page["nextCursor"]
    assert sorted(titles) == sorted(f"カフェ{i}" for i in range(7))
    assert len(set(titles)) == 7

    again = client.get("/api/v1/me/matches", params={"limit": 3}, headers=auth).json()
    assert again["items"] == first["items"]
    assert metric(client, 'mailscore_cache_lookups_total{cache="matches",result="hit"}') == 1
    assert metric(client, 'mailscore_cache_lookups_total{cache="matches",result="miss"}') == 1
    assert metric(client, 'mailscore_cache_hit_ratio{cache="matches"}') == 0.5

    dismissed = first["items"][0]["jobId"]
    response = client.post(f"/api/v1/jobs/{dismissed}/actions", json={"kind": "dismiss"}, headers=auth)
    assert response.status_code == 201
    after = client.get("/api/v1/me/matches", params={"limit": 10}, headers=auth).json()
    assert dismissed not in [i["jobId"] for i in after["items"]]
    assert metric(client, 'mailscore_cache_lookups_total{cache="matches",result="miss"}') == 2


def test_a_bad_or_foreign_cursor_is_a_422_naming_it(client: TestClient, store: InMemoryStore) -> None:  # type: ignore[type-arg]
    seed(store, *(shinjuku_job(f"カフェ{i}", company_name=f"会社{i}") for i in range(3)))
    hanako = account_with_role(client, store, Role.USER)
    taro = account_with_role(client, store, Role.USER)
    for auth in (hanako, taro):
        assert client.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200
    cursor = client.get("/api/v1/me/matches", params={"limit": 1}, headers=hanako).json()["nextCursor"]
    assert cursor
    for params, auth in (({"cursor": cursor}, taro), ({"cursor": "nonsense"}, hanako)):
        response = client.get("/api/v1/me/matches", params=params, headers=auth)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "cursor"


class RedisCacheUnderPrefix(Provider):
    """The app's cache on the test Redis, under this run's key prefix (as MAILSCORE_REDIS_URL would give)."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        self._url, self._prefix = url, prefix

    @provide(scope=Scope.APP, override=True)
    async def cache(self) -> AsyncIterator[Cache]:
        client = redis_client(self._url)
        yield RedisCache(client, prefix=self._prefix)
        await client.aclose()


@pytest.mark.redis
def test_two_api_processes_share_the_matches_cache_on_redis(
    tmp_path: Path, store: InMemoryStore, redis_url: str, redis_key_prefix: str
) -> None:
    seed(store, *(shinjuku_job(f"カフェ{i}", company_name=f"会社{i}") for i in range(4)))
    shared = RedisCacheUnderPrefix(redis_url, f"{redis_key_prefix}api-{uuid.uuid4().hex[:6]}:")
    one = create_app(settings_for(tmp_path), InMemoryStorage(store), shared)
    two = create_app(settings_for(tmp_path), InMemoryStorage(store), shared)
    with TestClient(one) as a, TestClient(two) as b:
        auth = account_with_role(a, store, Role.USER)
        assert a.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200
        first = a.get("/api/v1/me/matches", params={"limit": 2}, headers=auth).json()
        rest = b.get("/api/v1/me/matches", params={"limit": 2, "cursor": first["nextCursor"]}, headers=auth).json()
        assert len({i["jobId"] for i in first["items"] + rest["items"]}) == 4  # b continues a's snapshot
        assert b.get("/api/v1/me/matches", params={"limit": 2}, headers=auth).json()["items"] == first["items"]
        assert metric(b, 'mailscore_cache_lookups_total{cache="matches",result="hit"}') == 1

        dismissed = first["items"][0]["jobId"]
        assert a.post(f"/api/v1/jobs/{dismissed}/actions", json={"kind": "dismiss"}, headers=auth).status_code == 201
        after = b.get("/api/v1/me/matches", params={"limit": 4}, headers=auth).json()
        assert dismissed not in [i["jobId"] for i in after["items"]]
        assert metric(b, 'mailscore_cache_lookups_total{cache="matches",result="miss"}') == 1


class MgetCountingCache(RedisCacheUnderPrefix):
    """The shared Redis cache, counting the MGETs that reach Redis (read-ahead answers are not)."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__(url, prefix)
        self.mgets = 0

    @provide(scope=Scope.APP, override=True)
    async def cache(self) -> AsyncIterator[Cache]:
        client = redis_client(self._url)
        cache = RedisCache(client, prefix=self._prefix)
        mget = client.mget

        async def counted(*args: object, **kwargs: object) -> object:
            self.mgets += 1
            return await mget(*args, **kwargs)  # type: ignore[arg-type]

        client.mget = counted  # type: ignore[method-assign]
        yield cache
        await client.aclose()


@pytest.mark.redis
def test_on_redis_a_warm_page_is_read_with_the_rate_limit_check_shared_by_two_processes(
    tmp_path: Path, store: InMemoryStore, redis_url: str, redis_key_prefix: str
) -> None:
    """The match cache's keys ride in the rate limiter's script: one round trip a warm page, and still one
    budget across processes, and still every invalidation seen."""
    from dataclasses import replace

    from application.use_cases.throttle_request import Limit, RequestLimits

    seed(store, *(shinjuku_job(f"カフェ{i}", company_name=f"会社{i}") for i in range(4)))
    prefix = f"{redis_key_prefix}ahead-{uuid.uuid4().hex[:6]}:"
    shared = MgetCountingCache(redis_url, f"{prefix}cache:")
    loose = Limit(10_000, 60)
    settings = replace(settings_for(tmp_path), redis_url=redis_url, redis_prefix=prefix,
                       request_limits=RequestLimits(per_ip=loose, per_user=Limit(6, 60), service=loose))  # fmt: skip
    one = create_app(settings, InMemoryStorage(store), shared)
    two = create_app(settings, InMemoryStorage(store), shared)
    with TestClient(one) as a, TestClient(two) as b:
        auth = account_with_role(a, store, Role.USER)  # registering and logging in spend no user budget
        assert a.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth).status_code == 200  # 1
        first = a.get("/api/v1/me/matches", params={"limit": 2}, headers=auth).json()  # 2: a miss, ranked
        mgets = shared.mgets
        assert b.get("/api/v1/me/matches", params={"limit": 2}, headers=auth).json() == first  # 3: a hit
        assert shared.mgets == mgets  # read with the rate-limit check: no MGET of its own
        assert metric(b, 'mailscore_cache_lookups_total{cache="matches",result="hit"}') == 1
        dismissed = first["items"][0]["jobId"]
        assert a.post(f"/api/v1/jobs/{dismissed}/actions", json={"kind": "dismiss"}, headers=auth).status_code == 201
        after = b.get("/api/v1/me/matches", params={"limit": 4}, headers=auth).json()  # 5
        assert dismissed not in [i["jobId"] for i in after["items"]]  # the read-ahead saw the bumped counter
        assert metric(b, 'mailscore_cache_lookups_total{cache="matches",result="miss"}') == 1
        assert a.get("/api/v1/me/matches", params={"limit": 4}, headers=auth).status_code == 200  # 6, a hit
        refused = b.get("/api/v1/me/matches", params={"limit": 4}, headers=auth)  # the 7th in the shared budget
        assert refused.status_code == 429
        assert refused.json()["status"] == 429
        assert int(refused.headers["retry-after"]) >= 1
