"""The SQLite driver-level helpers the run's bulk writes and reads go through."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.sqlalchemy.sqlite_bulk import (
    datetime_text,
    fetch_batches,
    insert_rows,
    parse_datetime,
    present_keys,
    uuid_parser,
)


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 1_001, 2_345])
async def test_rows_go_in_whole_in_blocks_of_statements_and_read_back(sqlite_engine: AsyncEngine, count: int) -> None:
    async with AsyncSession(sqlite_engine) as session:
        await session.execute(text("CREATE TABLE bulk_probe (k TEXT PRIMARY KEY, n INTEGER, at TEXT, x REAL)"))
        moment = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
        rows = [(f"key{i:05d}", i, datetime_text(moment.replace(second=i % 60)), i / 7) for i in range(count)]
        await insert_rows(session, "bulk_probe", ("k", "n", "at", "x"), rows)
        await session.commit()
        read = []
        async for batch in fetch_batches(session, "SELECT k, n, at, x FROM bulk_probe ORDER BY k", (), size=300):
            assert 0 < len(batch) <= 300
            read.extend(batch)
    assert read == rows


async def test_a_conflict_clause_applies_to_every_row_of_a_block(sqlite_engine: AsyncEngine) -> None:
    async with AsyncSession(sqlite_engine) as session:
        await session.execute(text("CREATE TABLE bulk_probe (k TEXT PRIMARY KEY, n INTEGER)"))
        await insert_rows(session, "bulk_probe", ("k", "n"), [("a", 1), ("b", 2)])
        await insert_rows(session, "bulk_probe", ("k", "n"), [("b", 20), ("c", 30)] * 300, " ON CONFLICT DO NOTHING")
        assert await present_keys(session, "bulk_probe", "k", ["a", "b", "c", "d"] * 400) == {"a", "b", "c"}
        assert (await session.execute(text("SELECT n FROM bulk_probe WHERE k = 'b'"))).scalar() == 2


def test_stored_forms_parse_back_to_the_domain_s_values() -> None:
    parse = uuid_parser()
    value = uuid.uuid4()
    first, again = parse(value.hex), parse(str(value.hex))
    assert first == value
    assert again is first
    moment = datetime(2026, 12, 4, 0, 30, 15, 123456, tzinfo=UTC)
    assert parse_datetime(datetime_text(moment) or "") == moment
    assert parse_datetime("2026-12-04 00:30:15.000000").tzinfo is UTC
