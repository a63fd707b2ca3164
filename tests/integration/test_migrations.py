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


async def test_0003_gives_existing_jobs_their_search_text(
    empty_database_url: str, engine_factory: EngineFactory
) -> None:
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import text

    await migrate.upgrade(empty_database_url, "0002")
    job_id = uuid.uuid4()
    async with engine_factory(empty_database_url).begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO jobs (id, title, description, company_name, job_type, prefecture_code, prefecture,"
                " city, hourly_wage, work_days, requirements, benefits, posted_at, is_active, view_count,"
                " application_count, generated) VALUES (:id, 'ｶﾌｪ スタッフ', 'ホール', 'ＡＢＣ', 'カフェ', '13',"
                " '東京都', '新宿区', 1300, 0, '{}', '[]', :posted, true, 0, 0, false)"
            ),
            {"id": job_id.hex if "sqlite" in empty_database_url else job_id, "posted": datetime.now(UTC)},
        )
    await migrate.upgrade(empty_database_url)
    async with engine_factory(empty_database_url).connect() as connection:
        stored = (await connection.execute(text("SELECT search_text FROM jobs"))).scalar_one()
    assert stored.split("\n")[:3] == ["かふぇ すたっふ", "abc", "かふぇ"]
    assert stored.endswith("ほーる")
