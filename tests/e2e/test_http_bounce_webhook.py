"""POST /api/v1/webhooks/bounces: a signed raw report suppresses; anything unsigned, stale or unreadable
is refused with a problem and changes nothing."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore
from application.webhook_signature import webhook_signature
from entrypoints.http.app import create_app
from tests.e2e.test_http_support import InMemoryStorage, settings_for
from tests.unit.test_record_bounces import FILES, FIXTURES, sent_world

SECRET = "w" * 40
URL = "/api/v1/webhooks/bounces"


@pytest.fixture
def world() -> InMemoryStore:
    return sent_world()


@pytest.fixture
def hook(tmp_path: Path, world: InMemoryStore) -> Iterator[TestClient]:  # type: ignore[type-arg]
    settings = settings_for(tmp_path).with_overrides(bounce_webhook_secret=SECRET)
    with TestClient(create_app(settings, InMemoryStorage(world))) as client:
        yield client


def signed(body: bytes, at: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(at if at is not None else int(time.time()))
    return {"X-Mailscore-Timestamp": stamp, "X-Mailscore-Signature": webhook_signature(secret.encode(), stamp, body),
            "Content-Type": "message/rfc822"}  # fmt: skip


def test_a_signed_complaint_suppresses_the_address(hook: TestClient, world: InMemoryStore) -> None:  # type: ignore[type-arg]
    body = (FIXTURES / FILES["arf"]).read_bytes()
    response = hook.post(URL, content=body, headers=signed(body))
    assert response.status_code == 200, response.text
    assert response.json() == {"reports": 1, "outcomes": {"suppressed": 1}}
    assert {s.email for s in world.suppressions.values()} == {"suzuki.aoi@yahoo.co.jp"}
    again = hook.post(URL, content=body, headers=signed(body))
    assert again.json() == {"reports": 1, "outcomes": {"duplicate": 1}}


@pytest.mark.parametrize("case", ["unsigned", "wrong secret", "stale", "body changed"])
def test_an_unauthenticated_call_is_401_and_changes_nothing(
    hook: TestClient,
    world: InMemoryStore,
    case: str,  # type: ignore[type-arg]
) -> None:
    body = (FIXTURES / FILES["postfix"]).read_bytes()
    headers = {
        "unsigned": {},
        "wrong secret": signed(body, secret="x" * 40),
        "stale": signed(body, at=int(time.time()) - 3600),
        "body changed": signed(body + b"\n"),
    }[case]
    response = hook.post(URL, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert world.suppressions == {}
    assert world.bounce_events == {}


def test_an_unreadable_report_is_422_naming_why(hook: TestClient) -> None:  # type: ignore[type-arg]
    body = (FIXTURES / "not_a_report.eml").read_bytes()
    response = hook.post(URL, content=body, headers=signed(body))
    assert response.status_code == 422, response.text
    assert "not a delivery status notification" in response.json()["detail"]


def test_without_a_configured_secret_every_call_is_refused(tmp_path: Path, world: InMemoryStore) -> None:
    body = (FIXTURES / FILES["arf"]).read_bytes()
    with TestClient(create_app(settings_for(tmp_path), InMemoryStorage(world))) as client:
        response = client.post(URL, content=body, headers=signed(body, secret=""))
    assert response.status_code == 401
    assert world.suppressions == {}
