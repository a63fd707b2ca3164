"""Shared fixtures: throwaway PostgreSQL databases, a Redis key prefix, SQLite files and mapped ORM.

External services are opt-in through MAILSCORE_TEST_POSTGRES_URL / MAILSCORE_TEST_REDIS_URL and must be
on this machine: the fixtures create and drop databases, so they refuse anything but a loopback host.
Async engines are made per test function, because an engine belongs to the event loop that made it.
"""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.sqlalchemy.engine import create_engine, create_schema, create_session_factory
from adapters.sqlalchemy.mapping import start_mappers
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from application.ports import UnitOfWork

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _loopback_url(variable: str) -> str:
    raw = os.environ.get(variable)
    if not raw:
        pytest.skip(f"{variable} is not set; tests needing this service are skipped")
    host = make_url(raw).host
    if host not in LOOPBACK_HOSTS:
        raise pytest.UsageError(f"{variable} must point at 127.0.0.1, localhost or ::1, not {host!r}")
    return raw


def _unique_name() -> str:
    return f"mailscore_t_{os.getpid()}_{secrets.token_hex(4)}"


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class PostgresDatabases:
    """Creates databases next to the one MAILSCORE_TEST_POSTGRES_URL names, and drops them at the end."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url
        self._created: list[str] = []

    def create(self) -> str:
        name = _unique_name()
        asyncio.run(_admin(self._admin_url, f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        url = make_url(self._admin_url).set(drivername="postgresql+asyncpg", database=name)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self._created:
            asyncio.run(_admin(self._admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._created.clear()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(_loopback_url("MAILSCORE_TEST_POSTGRES_URL"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_url(postgres_databases: PostgresDatabases) -> str:
    """A database of its own for this test session (tests share it: clean what you use)."""
    return postgres_databases.create()


@pytest.fixture
def empty_postgres_url(postgres_databases: PostgresDatabases) -> str:
    """A new, empty database for one test (e.g. migrations); dropped at the end of the session."""
    return postgres_databases.create()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _loopback_url("MAILSCORE_TEST_REDIS_URL")


@pytest.fixture(scope="session")
def redis_key_prefix(redis_url: str) -> Iterator[str]:
    """Every key a test writes must start with this, so parallel runs never see each other's keys;
    they are deleted at the end of the session."""
    prefix = f"{_unique_name()}:"
    yield prefix
    asyncio.run(_delete_redis_keys(redis_url, prefix))


async def _delete_redis_keys(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(scope="session", autouse=True)
def _mapped_orm() -> None:
    start_mappers()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'mailscore.sqlite3'}"


EngineFactory = Callable[[str], AsyncEngine]


@pytest.fixture
async def engine_factory() -> AsyncIterator[EngineFactory]:
    """Engines made in this test's event loop and disposed at its end."""
    engines: list[AsyncEngine] = []

    def make(url: str) -> AsyncEngine:
        engine = create_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.dispose()


@pytest.fixture
async def sqlite_engine(engine_factory: EngineFactory, sqlite_url: str) -> AsyncEngine:
    engine = engine_factory(sqlite_url)
    await create_schema(engine)
    return engine


@pytest.fixture
async def postgres_engine(engine_factory: EngineFactory, postgres_url: str) -> AsyncEngine:
    """The session database with every table present and empty."""
    from adapters.sqlalchemy.tables import metadata

    engine = engine_factory(postgres_url)
    await create_schema(engine)
    names = ", ".join(table.name for table in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {names} CASCADE")
    return engine


UowFactory = Callable[[], UnitOfWork]


@pytest.fixture(params=["in_memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> UowFactory:
    """New units of work over one empty store, for each storage the ports have: the contract suite."""
    if request.param == "in_memory":
        store = InMemoryStore()
        return lambda: InMemoryUnitOfWork(store)
    engine = request.getfixturevalue(f"{request.param}_engine")
    sessions = create_session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions)
