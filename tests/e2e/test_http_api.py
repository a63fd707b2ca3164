"""The HTTP API end to end on the in-memory storage: accounts, profile, matches, errors, metrics."""

import uuid
from pathlib import Path

from dishka import Provider, Scope, provide
from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from application.use_cases.show_job import ShowJob
from entrypoints.http.app import create_app
from tests.e2e.test_http_support import (
    PASSWORD,
    InMemoryStorage,
    client,
    login,
    register,
    seed,
    settings_for,
    shinjuku_job,
    store,
)

__all__ = ["client", "store"]  # fixtures
PROBLEM = "application/problem+json"


def bearer(session: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['accessToken']}"}


def test_register_login_address_preferences_and_matches_with_reasons(
    client: TestClient,
    store: InMemoryStore,  # type: ignore[type-arg]
) -> None:
    seed(store, shinjuku_job("新宿カフェ"), shinjuku_job("新宿書店", job_type="書店", hourly_wage=1250),
         shinjuku_job("西新宿カフェ", hourly_wage=1500))  # fmt: skip
    profile = register(client, "Hanako@Example.jp")
    assert profile["email"] == "hanako@example.jp"
    assert profile["role"] == "user"
    auth = bearer(login(client, "hanako@example.jp"))

    response = client.put("/api/v1/me/address", json={"postalCode": "160-0022"}, headers=auth)
    assert response.status_code == 200, response.text
    address = response.json()["address"]
    assert (address["prefecture"], address["city"], address["postalCode"]) == ("東京都", "新宿区", "1600022")
    assert address["latitude"] is not None

    wishes = {"jobTypes": ["カフェ"], "maxCommuteMinutes": 30, "minHourlyWage": 1200,
              "availability": {"mon": [["09:00", "17:00"]]}}  # fmt: skip
    response = client.put("/api/v1/me/preferences", json=wishes, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["preferences"]["jobTypes"] == ["カフェ"]

    response = client.get("/api/v1/me/matches", params={"limit": 5}, headers=auth)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {item["title"] for item in items} >= {"新宿カフェ", "西新宿カフェ"}
    first = items[0]
    assert set(first) >= {"jobId", "title", "companyName", "hourlyWage", "total", "basic", "seo", "personalized",
                          "reasons", "distanceKm", "commuteMinutes"}  # fmt: skip
    assert first["reasons"]
    assert all(isinstance(r, str) for r in first["reasons"])
    assert first["commuteMinutes"] is not None
    assert first["distanceKm"] < 5

    job_id = first["jobId"]
    assert client.get(f"/api/v1/jobs/{job_id}", headers=auth).json()["title"] == first["title"]
    response = client.post(f"/api/v1/jobs/{job_id}/actions", json={"kind": "favorite"}, headers=auth)
    assert response.status_code == 201
    assert response.json()["kind"] == "favorite"

    response = client.patch("/api/v1/me", json={"emailOptIn": False}, headers=auth)
    assert response.status_code == 200
    assert response.json()["emailOptIn"] is False
    assert client.get("/api/v1/me", headers=auth).json()["fullName"] == "山田 花子"


def test_without_or_with_a_bad_token_protected_routes_answer_401_problem(client: TestClient) -> None:  # type: ignore[type-arg]
    for headers in ({}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        assert body["type"] == "https://mailscore.example.jp/problems/not-authenticated"
        assert body["status"] == 401
        assert body["instance"] == "/api/v1/me"


def test_a_user_on_an_admin_route_gets_403(client: TestClient) -> None:  # type: ignore[type-arg]
    register(client, "plain@example.jp")
    response = client.get("/api/v1/admin/ping", headers=bearer(login(client, "plain@example.jp")))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")


def test_refresh_rotates_and_reusing_a_used_token_revokes_the_family(client: TestClient) -> None:  # type: ignore[type-arg]
    register(client, "rotate@example.jp")
    first = login(client, "rotate@example.jp")
    second = client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert second.status_code == 200
    second_tokens = second.json()
    assert second_tokens["refreshToken"] != first["refreshToken"]
    assert second_tokens["expiresIn"] == 900
    assert second_tokens["tokenType"] == "Bearer"

    reuse = client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert reuse.status_code == 401
    # The whole family is gone: the token issued by the legitimate rotation no longer works either.
    after = client.post("/api/v1/auth/refresh", json={"refreshToken": second_tokens["refreshToken"]})
    assert after.status_code == 401
    # Another login is another family and is unaffected.
    other = login(client, "rotate@example.jp")
    assert client.post("/api/v1/auth/refresh", json={"refreshToken": other["refreshToken"]}).status_code == 200


def test_logout_revokes_the_refresh_token_and_is_idempotent(client: TestClient) -> None:  # type: ignore[type-arg]
    register(client, "bye@example.jp")
    session = login(client, "bye@example.jp")
    assert client.post("/api/v1/auth/logout", json={"refreshToken": session["refreshToken"]}).status_code == 204
    assert client.post("/api/v1/auth/logout", json={"refreshToken": session["refreshToken"]}).status_code == 204
    assert client.post("/api/v1/auth/refresh", json={"refreshToken": session["refreshToken"]}).status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_401_and_five_failures_lock(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    register(client, "locked@example.jp")
    wrong = client.post("/api/v1/auth/login", json={"email": "locked@example.jp", "password": "x" * 12})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.jp", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "invalid email or password"
    for _ in range(4):
        client.post("/api/v1/auth/login", json={"email": "locked@example.jp", "password": "y" * 12})
    response = client.post("/api/v1/auth/login", json={"email": "locked@example.jp", "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 900
    assert response.json()["type"].endswith("/too-many-attempts")


def test_register_rules(client: TestClient) -> None:  # type: ignore[type-arg]
    short = client.post("/api/v1/auth/register", json={"email": "a@example.jp", "password": "short"})
    assert short.status_code == 400
    assert [e["field"] for e in short.json()["errors"]] == ["password"]
    bad_email = client.post("/api/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD})
    assert bad_email.status_code == 422
    assert bad_email.json()["errors"][0]["field"] == "email"
    register(client, "twice@example.jp")
    again = client.post("/api/v1/auth/register", json={"email": "TWICE@example.jp", "password": PASSWORD})
    assert again.status_code == 409


def test_bad_json_unknown_fields_and_wrong_types_are_400_problems_naming_the_field(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    register(client, "typo@example.jp")
    auth = bearer(login(client, "typo@example.jp"))
    cases = [
        (client.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}), None),
        (client.post("/api/v1/auth/login", json={"email": "a@b.jp", "password": "p", "admin": True}), "admin"),
        (client.post("/api/v1/auth/login", json={"email": 5, "password": "p"}), "email"),
        (client.post("/api/v1/auth/login", json={"password": "p"}), "email"),
        (client.put("/api/v1/me/preferences", json={"maxCommuteMinutes": "long"}, headers=auth), "maxCommuteMinutes"),
        (client.put("/api/v1/me/preferences", json={"minHourlyWage": -1}, headers=auth), "minHourlyWage"),
        (client.get("/api/v1/me/matches", params={"limit": "many"}, headers=auth), "limit"),
        (client.get("/api/v1/me/matches", params={"limit": 0}, headers=auth), "limit"),
    ]
    for response, field in cases:
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        assert body["type"].endswith("/invalid-request")
        assert body["errors"]
        if field is not None:
            assert field in [e["field"] for e in body["errors"]], body


def test_rule_breaks_are_422_naming_the_field(client: TestClient) -> None:  # type: ignore[type-arg]
    register(client, "rules@example.jp")
    auth = bearer(login(client, "rules@example.jp"))
    for path, body, field in [
        ("/api/v1/me/address", {"postalCode": "0000000"}, "postal_code"),
        ("/api/v1/me/preferences", {"industries": ["ZZZ"]}, "industries"),
        ("/api/v1/me/preferences", {"availability": {"xyz": [["09:00", "10:00"]]}}, "availability"),
        ("/api/v1/me/preferences", {"availability": {"mon": [["9am", "10:00"]]}}, "availability"),
    ]:
        response = client.put(path, json=body, headers=auth)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field


def test_unknown_routes_jobs_and_actions(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")
    register(client, "missing@example.jp")
    auth = bearer(login(client, "missing@example.jp"))
    assert client.get(f"/api/v1/jobs/{uuid.uuid4()}", headers=auth).status_code == 404
    assert client.get("/api/v1/jobs/not-a-uuid", headers=auth).status_code in (400, 404)
    response = client.post(f"/api/v1/jobs/{uuid.uuid4()}/actions", json={"kind": "view"}, headers=auth)
    assert response.status_code == 404
    assert client.delete("/api/v1/me", headers=auth).status_code == 405


def test_health_ready_metrics_and_schema(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}
    client.get("/no/such/route")
    client.request("BREW", "/no/such/route")
    scraped = client.get("/metrics")
    # One charset: strict scrapers (Prometheus 3, Go's mime parser) refuse a repeated parameter.
    assert scraped.headers["content-type"] == "text/plain; version=1.0.0; charset=utf-8"
    text = scraped.text
    assert 'method="OTHER",route="<unmatched>"' in text
    assert 'mailscore_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert 'route="<unmatched>",status="404"' in text
    assert "mailscore_http_request_duration_seconds_bucket" in text
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/me/matches" in schema["paths"]
    assert "/health" in schema["paths"]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_ready_is_a_503_problem_when_the_database_is_down(tmp_path: Path, store: InMemoryStore) -> None:
    (tmp_path / "not-a-dir").write_text("a file where the database folder should be")
    settings = settings_for(tmp_path).with_overrides(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/not-a-dir/db.sqlite3"
    )
    with TestClient(create_app(settings, InMemoryStorage(store))) as down:
        assert down.get("/health").status_code == 200
        response = down.get("/ready")
        assert response.status_code == 503
        assert response.json()["type"].endswith("/storage-unavailable")
        assert "not-a-dir" not in response.text


class BrokenShowJob(Provider):
    @provide(scope=Scope.REQUEST, override=True)
    def show_job(self) -> ShowJob:
        raise RuntimeError("password=hunter2 at /srv/secret.py line 12")


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(tmp_path: Path, store: InMemoryStore) -> None:
    with TestClient(create_app(settings_for(tmp_path), InMemoryStorage(store), BrokenShowJob())) as broken:
        register(broken, "boom@example.jp")
        response = broken.get(f"/api/v1/jobs/{uuid.uuid4()}", headers=bearer(login(broken, "boom@example.jp")))
        assert response.status_code == 500
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["type"].endswith("/internal")
        assert "hunter2" not in response.text
        assert "secret" not in response.text
