"""Rate limits over HTTP: per address, per user or API key, and for the whole service; 429 problems with
Retry-After; X-Forwarded-For only from trusted proxies; one budget across app instances sharing Redis."""

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from litestar.types import Receive, Scope, Send

from adapters.in_memory import InMemoryStore
from application.use_cases.throttle_request import Limit, RequestLimits
from domain.roles import Role
from entrypoints.config import Settings
from entrypoints.http.app import create_app
from tests.e2e.test_http_support import InMemoryStorage, account_with_role, partner_key, settings_for, store

__all__ = ["store"]  # fixtures
LOOSE = Limit(10_000, 60)


class Peer:
    """Sets the TCP peer the app sees (Litestar's test client always says "testclient")."""

    def __init__(self, app: Litestar, address: str = "198.51.100.1") -> None:
        self.address = address
        inner = app.asgi_handler

        async def handler(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                scope["client"] = (self.address, 40000)
            await inner(scope, receive, send)

        app.asgi_handler = handler


def make_client(settings: Settings, store: InMemoryStore) -> tuple[TestClient, Peer]:  # type: ignore[type-arg]
    app = create_app(settings, InMemoryStorage(store))
    return TestClient(app), Peer(app)


@pytest.fixture
def limited(tmp_path: Path, store: InMemoryStore) -> Iterator[tuple[TestClient, Peer]]:  # type: ignore[type-arg]
    limits = RequestLimits(per_ip=Limit(5, 60), per_user=Limit(8, 3600), service=LOOSE)
    settings = replace(settings_for(tmp_path), request_limits=limits, trusted_proxies=("10.0.0.0/8",))
    client, peer = make_client(settings, store)
    with client:
        yield client, peer


def assert_rate_limited(response: object, scope: str) -> None:
    status, headers, body = response.status_code, response.headers, response.json()  # type: ignore[attr-defined]
    assert status == 429, response.text  # type: ignore[attr-defined]
    assert headers["content-type"].startswith("application/problem+json")
    assert headers["retry-after"].isdigit()
    assert 1 <= int(headers["retry-after"]) <= 3600
    assert body["type"] == "https://mailscore.example.jp/problems/rate-limited"
    assert body["status"] == 429
    assert f"{scope} limit" in body["detail"]


def test_a_burst_past_the_address_limit_is_429_with_retry_after_and_health_is_exempt(
    limited: tuple[TestClient, Peer],  # type: ignore[type-arg]
) -> None:
    client, _ = limited
    answers = [client.get("/ready").status_code for _ in range(5)]
    assert answers == [200] * 5
    refused = client.get("/ready")
    assert_rate_limited(refused, "ip")
    assert 55 <= int(refused.headers["retry-after"]) <= 60
    assert client.post("/api/v1/auth/login", json={"email": "a@example.jp", "password": "x"}).status_code == 429
    assert client.get(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 429  # before authentication too
    assert [client.get("/health").status_code for _ in range(20)] == [200] * 20
    metrics = client.get("/metrics")  # rate-limited too, so from another address
    assert metrics.status_code == 429


def test_rejections_are_counted_by_scope_in_prometheus(limited: tuple[TestClient, Peer]) -> None:  # type: ignore[type-arg]
    client, peer = limited
    for _ in range(7):
        client.get("/ready")
    peer.address = "198.51.100.2"
    text = client.get("/metrics").text
    assert 'mailscore_rate_limited_total{scope="ip"} 2.0' in text


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(limited: tuple[TestClient, Peer]) -> None:  # type: ignore[type-arg]
    client, peer = limited
    peer.address = "10.1.2.3"  # the load balancer: trusted, so each forwarded client has its own budget
    for client_number in range(3):
        forwarded = {"X-Forwarded-For": f"203.0.113.{client_number}"}
        assert [client.get("/ready", headers=forwarded).status_code for _ in range(5)] == [200] * 5
        assert client.get("/ready", headers=forwarded).status_code == 429
    peer.address = "198.51.100.9"  # not a proxy: its header is ignored, so a made-up address does not help
    for attempt in range(6):
        answer = client.get("/ready", headers={"X-Forwarded-For": f"203.0.113.{100 + attempt}"})
        assert answer.status_code == (200 if attempt < 5 else 429)


def test_a_user_has_a_budget_of_their_own_across_addresses(
    limited: tuple[TestClient, Peer],  # type: ignore[type-arg]
    store: InMemoryStore,
) -> None:
    client, peer = limited
    peer.address = "10.0.0.1"
    headers = account_with_role(client, store, Role.USER)  # register + login: two requests, not the user's
    answers = []
    for request_number in range(9):
        forwarded = {"X-Forwarded-For": f"203.0.113.{request_number}", **headers}  # a new address each time
        answers.append(client.get("/api/v1/me", headers=forwarded))
    assert [a.status_code for a in answers[:8]] == [200] * 8
    assert_rate_limited(answers[8], "user")
    other = account_with_role(client, store, Role.USER)
    assert client.get("/api/v1/me", headers={"X-Forwarded-For": "203.0.113.200", **other}).status_code == 200


def test_an_api_key_has_its_own_hourly_limit(
    limited: tuple[TestClient, Peer],  # type: ignore[type-arg]
    store: InMemoryStore,
) -> None:
    client, peer = limited
    peer.address = "10.0.0.1"
    key = partner_key(store, "read:analytics", rate_limit_per_hour=3)
    for request_number in range(4):
        answer = client.get("/api/v1/admin/ping", headers={"X-Forwarded-For": f"203.0.113.{request_number}", **key})
        if request_number < 3:
            assert answer.status_code == 200, answer.text
        else:
            assert_rate_limited(answer, "api_key")
            assert 3590 <= int(answer.headers["retry-after"]) <= 3600


def test_the_service_budget_is_shared_by_every_client(tmp_path: Path, store: InMemoryStore) -> None:
    limits = RequestLimits(per_ip=LOOSE, per_user=LOOSE, service=Limit(4, 60))
    client, peer = make_client(replace(settings_for(tmp_path), request_limits=limits), store)
    with client:
        for number in range(4):
            peer.address = f"198.51.100.{number}"
            assert client.get("/ready").status_code == 200
        peer.address = "198.51.100.77"
        assert_rate_limited(client.get("/ready"), "global")


def test_a_limit_switched_off_is_not_counted(tmp_path: Path, store: InMemoryStore) -> None:
    limits = RequestLimits(per_ip=None, per_user=None, service=None)
    client, _ = make_client(replace(settings_for(tmp_path), request_limits=limits), store)
    with client:
        assert {client.get("/ready").status_code for _ in range(150)} == {200}


def test_the_defaults_are_the_customers(tmp_path: Path) -> None:
    assert Settings().request_limits == RequestLimits(Limit(60, 60), Limit(1000, 3600), Limit(100, 60))


@pytest.mark.redis
def test_two_app_instances_on_one_redis_share_one_budget(
    tmp_path: Path,
    store: InMemoryStore,
    redis_url: str,
    redis_key_prefix: str,
) -> None:
    limits = RequestLimits(per_ip=Limit(6, 60), per_user=LOOSE, service=LOOSE)
    settings = replace(settings_for(tmp_path), request_limits=limits, redis_url=redis_url,
                       redis_prefix=f"{redis_key_prefix}two-apps:")  # fmt: skip
    (first, _), (second, _) = make_client(settings, store), make_client(settings, store)
    with first, second:
        answers = [client.get("/ready").status_code for _ in range(4) for client in (first, second)]
        assert answers == [200] * 6 + [429] * 2
        assert_rate_limited(first.get("/ready"), "ip")
