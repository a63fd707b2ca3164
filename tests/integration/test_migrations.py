"""The Alembic history builds exactly the schema in tables.py, on SQLite and PostgreSQL, both ways."""

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from adapters.sqlalchemy import migrate
from adapters.sqlalchemy.tables import metadata
from tests.conftest import EngineFactory


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("empty_postgres_url"))


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_head_matches_the_tables(
    empty_database_url: str, engine_factory: EngineFactory
) -> None:
    await migrate.upgrade(empty_database_url)
    async with engine_factory(empty_database_url).connect() as connection:
        assert await connection.run_sync(_schema_diff) == []
    assert await migrate.current_revision(empty_database_url) == migrate.head_revision()


async def test_every_revision_downgrades_and_upgrades_again(
    empty_database_url: str, engine_factory: EngineFactory
) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = list(reversed(list(script.walk_revisions())))
    for revision in revisions:
        await migrate.upgrade(empty_database_url, revision.revision)
        await migrate.downgrade(empty_database_url, revision.down_revision or "base")
        await migrate.upgrade(empty_database_url, revision.revision)
    await migrate.downgrade(empty_database_url, "base")
    async with engine_factory(empty_database_url).connect() as connection:
        assert await connection.run_sync(_table_names) <= {"alembic_version"}
    await migrate.upgrade(empty_database_url)
    assert await migrate.current_revision(empty_database_url) == migrate.head_revision()


async def test_upgrade_is_idempotent(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    await migrate.upgrade(empty_database_url)
    assert await migrate.current_revision(empty_database_url) == migrate.head_revision()
