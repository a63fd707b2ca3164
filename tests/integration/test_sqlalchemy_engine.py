"""Engine set-up: URL forms people write, SQLite's safety pragmas, and driver errors as StorageError."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import async_url, create_engine, create_schema, create_session_factory
from adapters.sqlalchemy.errors import StorageConflict
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from domain.campaign import CampaignRun
from tests.conftest import EngineFactory


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("postgresql://u:p@127.0.0.1:5432/db", "postgresql+asyncpg://u:p@127.0.0.1:5432/db"),
        ("postgres://u@localhost/db", "postgresql+asyncpg://u@localhost/db"),
        ("postgresql+asyncpg://u@localhost/db", "postgresql+asyncpg://u@localhost/db"),
        ("sqlite:///var/mailscore.sqlite3", "sqlite+aiosqlite:///var/mailscore.sqlite3"),
        ("sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
    ],
)
def test_urls_get_their_async_driver(written: str, used: str) -> None:
    assert async_url(written).render_as_string(hide_password=False) == used


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_engine("mysql://u@localhost/db")


async def test_sqlite_file_gets_wal_foreign_keys_and_a_busy_timeout(
    tmp_path: Path, engine_factory: EngineFactory
) -> None:
    engine = engine_factory(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'db.sqlite3'}")
    async with engine.connect() as connection:
        pragmas = {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
            for name in ("foreign_keys", "journal_mode", "busy_timeout", "synchronous")
        }
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30000, "synchronous": 1}


async def test_in_memory_sqlite_works_too(engine_factory: EngineFactory) -> None:
    engine = engine_factory("sqlite+aiosqlite:///:memory:")
    await create_schema(engine)
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> AsyncEngine:
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


async def test_a_broken_reference_is_a_storage_conflict(any_engine: AsyncEngine) -> None:
    uow = SqlAlchemyUnitOfWork(create_session_factory(any_engine))

    async def save_orphan_run() -> None:
        async with uow:
            await uow.deliveries.save_run(CampaignRun(campaign_id=uuid.uuid4(), run_date=date(2025, 4, 1)))
            await uow.commit()

    with pytest.raises(StorageConflict):
        await save_orphan_run()


async def test_the_unit_of_work_must_be_open(any_engine: AsyncEngine) -> None:
    uow = SqlAlchemyUnitOfWork(create_session_factory(any_engine))
    with pytest.raises(RuntimeError, match="not open"):
        await uow.commit()
    async with uow:
        assert await uow.jobs.list_open(datetime.now(UTC)) == []
        with pytest.raises(RuntimeError, match="already open"):
            await uow.__aenter__()
