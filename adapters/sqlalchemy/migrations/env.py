"""Alembic environment: async engines, the URL from the caller or MAILSCORE_DATABASE_URL.

Called three ways: the `alembic` command line (reads alembic.ini), `migrate.upgrade()` which hands over
an open connection in `config.attributes["connection"]`, or programmatically with
`config.attributes["url"]`."""

import asyncio
import logging.config
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.engine import async_url, create_engine
from adapters.sqlalchemy.tables import metadata

DEFAULT_URL = "sqlite+aiosqlite:///var/mailscore.sqlite3"

config = context.config
target_metadata = metadata

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.attributes.get("url") or os.environ.get("MAILSCORE_DATABASE_URL") or DEFAULT_URL
    return async_url(url).render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif (shared := config.attributes.get("connection")) is not None:
    run_migrations(shared)
else:
    asyncio.run(run_migrations_online())
