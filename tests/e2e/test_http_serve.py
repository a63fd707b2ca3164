"""`mailscore serve` and `mailscore users grant`, and the API on SQLite storage (the embedded default)."""

import gc
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar.testing import TestClient

from adapters.security.argon2_hasher import Argon2PasswordHasher
from application.ports import PasswordHasher
from entrypoints.cli import main
from entrypoints.config import Settings
from entrypoints.http.app import create_app
from tests.e2e.test_http_support import PASSWORD, login, register

SECRET = "k" * 40


class FastHasher(Provider):
    @provide(scope=Scope.APP, override=True)
    def hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher.fast_for_tests()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'api.sqlite3'}"
    monkeypatch.setenv("MAILSCORE_DATABASE_URL", url)
    monkeypatch.setenv("MAILSCORE_SECRET_KEY", SECRET)
    assert main(["db", "upgrade"]) == 0
    return url


def test_accounts_and_grant_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=sqlite_url, secret_key=SECRET, outbox_dir=tmp_path / "o"), FastHasher())
    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200
        register(client, "boss@example.jp")
        session = login(client, "boss@example.jp")
        rotated = client.post("/api/v1/auth/refresh", json={"refreshToken": session["refreshToken"]})
        assert rotated.status_code == 200
        assert client.post("/api/v1/auth/refresh", json={"refreshToken": session["refreshToken"]}).status_code == 401
        refreshed = rotated.json()["refreshToken"]
        assert client.post("/api/v1/auth/refresh", json={"refreshToken": refreshed}).status_code == 401
        user_auth = {"Authorization": f"Bearer {session['accessToken']}"}
        assert client.get("/api/v1/admin/ping", headers=user_auth).status_code == 403

        assert main(["users", "grant", "boss@example.jp", "admin"]) == 0
        admin_auth = {"Authorization": f"Bearer {login(client, 'boss@example.jp', PASSWORD)['accessToken']}"}
        response = client.get("/api/v1/admin/ping", headers=admin_auth)
        assert response.status_code == 200
        assert response.json()["role"] == "admin"
        assert client.put("/api/v1/me/address", json={"postalCode": "1600022"}, headers=admin_auth).status_code == 200
    assert main(["users", "grant", "boss@example.jp", "emperor"]) == 2
    assert main(["users", "grant", "nobody@example.jp", "admin"]) == 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_runs_uvicorn_on_the_embedded_defaults(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "MAILSCORE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}",
           "MAILSCORE_SECRET_KEY": SECRET, "PYTHONPATH": str(Path.cwd())}  # fmt: skip
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_grant_employer_with_a_company_then_post_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=sqlite_url, secret_key=SECRET, outbox_dir=tmp_path / "o"), FastHasher())
    with TestClient(app) as client:
        register(client, "sato@example.jp")
        assert main(["users", "grant", "sato@example.jp", "employer", "--company", "新宿カフェ株式会社"]) == 0
        auth = {"Authorization": f"Bearer {login(client, 'sato@example.jp')['accessToken']}"}
        job = {"title": "ホールスタッフ", "jobType": "カフェ", "hourlyWage": 1300, "municipalityCode": "13104"}
        response = client.post("/api/v1/jobs", json=job, headers=auth)
        assert response.status_code == 201, response.text
        assert response.json()["companyName"] == "新宿カフェ株式会社"
        found = client.get("/api/v1/jobs", params={"keyword": "ﾎｰﾙ", "municipality": "新宿区"}, headers=auth)
        assert [j["id"] for j in found.json()["items"]] == [response.json()["id"]]
        response = client.post("/api/v1/jobs", json={**job, "hourlyWage": 1200}, headers=auth)
        assert response.status_code == 422
        assert response.json()["type"].endswith("/below-minimum-wage")
    assert main(["users", "grant", "sato@example.jp", "employer", "--company", " "]) == 2


def test_a_served_app_reads_its_reference_tables_and_freezes_its_heap_at_start_up(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The served app's start-up heap is frozen out of the collector's sight (full collections over it set
    the p99); an app built for tests leaves the collector alone."""
    settings = Settings(database_url=sqlite_url, secret_key=SECRET, outbox_dir=tmp_path / "o")
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(settings, FastHasher())) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app(settings, FastHasher(), settle_heap=True)) as client:
            assert gc.get_freeze_count() > 100_000  # the app, its container and every reference table
            register(client, "tokyo@example.jp")
            auth = {"Authorization": f"Bearer {login(client, 'tokyo@example.jp')['accessToken']}"}
            response = client.put("/api/v1/me/address", json={"postalCode": "1600022"}, headers=auth)
            assert response.status_code == 200
            assert response.json()["address"]["city"] == "新宿区"
    finally:
        gc.unfreeze()
