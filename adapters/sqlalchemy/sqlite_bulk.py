"""Bulk writes on SQLite straight through the driver: plain tuples in the storage formats SQLAlchemy uses
(UUID as 32 hex digits, naive UTC datetimes as ISO text, JSON as text), so a million rows skip the per-row
bind processing of Core inserts (measured: about 3x faster). The rows join the unit of work's transaction,
and the contract tests read them back through the ORM."""

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

_encode = msgspec.json.encode


def uuid_text(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


@functools.lru_cache(maxsize=1024)  # a plan's rows share a few moments (created_at, calculated_at)
def datetime_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def json_text(value: object) -> str:
    return value if isinstance(value, str) else _encode(value).decode()


async def executemany(session: AsyncSession, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run `sql` (qmark placeholders) for every row, inside the session's transaction."""
    await session.flush()
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # aiosqlite.Connection: the same sqlite3 connection underneath
    await driver.executemany(sql, rows)
