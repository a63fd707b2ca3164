"""Shared set-up for the HTTP tests (no tests here): the app on the in-memory storage, seeded jobs, logins."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dishka import Provider, Scope, provide
from litestar.testing import TestClient

from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data.loader import BundledReferenceData
from adapters.security.argon2_hasher import Argon2PasswordHasher
from application.ports import PasswordHasher, ReferenceData, TaskQueue, UnitOfWork
from application.use_cases.throttle_request import Limit, RequestLimits
from domain.job import Job
from domain.jst import end_of_day_jst
from domain.roles import Role
from domain.user import User
from entrypoints.config import Settings
from entrypoints.http.app import create_app
from tests.fakes import RecordingQueue

PASSWORD = "correct horse battery"
REFERENCE = BundledReferenceData()
SHINJUKU = REFERENCE.postal_point("1600022")
assert SHINJUKU is not None


class InMemoryStorage(Provider):
    """The in-memory store; events (user and job changes) are recorded in `queue`, not run, unless
    `run_events`: then the app's own in-memory queue runs them in the background."""

    def __init__(self, store: InMemoryStore, *, run_events: bool = False) -> None:
        super().__init__()
        self.store = store
        self.queue = RecordingQueue()
        if not run_events:
            self.provide(lambda: self.queue, provides=TaskQueue, scope=Scope.APP, override=True)

    @provide(scope=Scope.REQUEST, override=True)
    def uow(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self.store)

    @provide(scope=Scope.APP, override=True)
    def hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher.fast_for_tests()

    @provide(scope=Scope.APP, override=True)
    def reference(self) -> ReferenceData:
        return REFERENCE


# Counted on every request (so every test goes through the limiter) but never refusing: a test walking
# every route would otherwise run out of the customer's 60 a minute. The limits have tests of their own.
ROOMY_LIMITS = RequestLimits(per_ip=Limit(100_000, 60), per_user=Limit(100_000, 60), service=Limit(100_000, 60))


def settings_for(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'ready.sqlite3'}", secret_key="s" * 40,
                    outbox_dir=tmp_path / "outbox", request_limits=ROOMY_LIMITS)  # fmt: skip


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def client(tmp_path: Path, store: InMemoryStore) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(settings_for(tmp_path), InMemoryStorage(store))
    with TestClient(app) as test_client:
        yield test_client


def shinjuku_job(title: str, **overrides: object) -> Job:
    today = datetime.now(UTC).date()
    fields: dict[str, object] = dict(
        id=uuid.uuid4(), title=title, company_name=f"{title}株式会社", job_type="カフェ", hourly_wage=1300,
        prefecture_code="13", prefecture="東京都", city="新宿区", nearest_station="新宿",
        posted_at=datetime.now(UTC) - timedelta(days=2), expires_at=end_of_day_jst(today + timedelta(days=20)),
        latitude=SHINJUKU.point.latitude + 0.002, longitude=SHINJUKU.point.longitude, walking_minutes=5,
    )  # fmt: skip
    fields.update(overrides)
    return Job(**fields)  # type: ignore[arg-type]


def seed(store: InMemoryStore, *rows: Job | User) -> None:
    import asyncio

    async def add() -> None:
        uow = InMemoryUnitOfWork(store)
        async with uow:
            for row in rows:
                if isinstance(row, Job):
                    await uow.jobs.add(row)
                else:
                    await uow.users.add(row)
            await uow.commit()

    asyncio.run(add())


def register(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, object]:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "fullName": "山田 花子"}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:  # type: ignore[type-arg]
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def account_with_role(client: TestClient, store: InMemoryStore, role: Role) -> dict[str, str]:  # type: ignore[type-arg]
    """Register, set the role directly in storage (as `mailscore users grant` would), and log in."""
    email = f"{role.value}-{uuid.uuid4().hex[:8]}@example.jp"
    body = register(client, email)
    user = store.users[uuid.UUID(str(body["id"]))]
    user.role = role.value
    return {"Authorization": f"Bearer {login(client, email)['accessToken']}"}


def partner_key(store: InMemoryStore, *permissions: str, rate_limit_per_hour: int = 1000) -> dict[str, str]:
    """An active API key with these permissions, stored directly (as the admin route would); its header."""
    from application.api_keys import api_key_hash, new_api_key_secret
    from domain.security import ApiKey

    secret = new_api_key_secret()
    key = ApiKey("partner", api_key_hash(secret), sorted(permissions), rate_limit_per_hour,
                 created_at=datetime.now(UTC))  # fmt: skip
    store.api_keys[key.id] = key
    return {"X-API-Key": secret}
