"""Schema migrations from a running program: `await upgrade(url)` brings a database to the latest schema.

Alembic's command API is synchronous; it runs inside `AsyncConnection.run_sync`, and env.py takes the
connection handed over in `config.attributes` instead of opening its own (Alembic's cookbook pattern
for asyncio), so this works from within an event loop."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.engine import create_engine

MIGRATIONS = Path(__file__).with_name("migrations")
_Step = Callable[[Config], None]


def alembic_config(url: str | None = None) -> Config:
    """Configuration that needs no alembic.ini, so an installed package can migrate too."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["configure_logging"] = False
    if url is not None:
        config.attributes["url"] = url
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str) -> None:
    await _run(url, lambda config: command.downgrade(config, revision))


async def current_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


async def holds_users(url: str) -> bool:
    """Whether the database at `url` (its schema up to date) has any user: a demo refuses to build into it."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return bool((await connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM users)")).scalar())
    finally:
        await engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _run(url: str, step: _Step) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_with_connection, step)
    finally:
        await engine.dispose()


def _with_connection(connection: Connection, step: _Step) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    step(config)
