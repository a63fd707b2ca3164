"""Helpers for set-based statements: IN lists within driver limits, dialect-aware upserts, and the
asyncpg connection underneath a session for COPY."""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

# asyncpg and SQLite both cap a statement at 32767 parameters; leave room for the other predicates.
IN_CHUNK = 10_000


def chunked(items: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_ignoring_conflicts(dialect_name: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the session's dialect."""
    dialect_insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing()


async def dialect_name(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name


async def asyncpg_connection(session: AsyncSession) -> Any:
    """The asyncpg connection inside the session's transaction (flushed first).

    SQLAlchemy's asyncpg adapter sends BEGIN lazily with its first statement; one cheap statement makes
    sure the work done straight on the driver belongs to the unit of work's transaction."""
    await session.flush()
    connection = await session.connection()
    await connection.execute(text("SELECT 1"))
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def copy_rows(session: AsyncSession, table: Table, columns: Sequence[str], rows: Iterable[Any]) -> None:
    driver = await asyncpg_connection(session)
    await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
