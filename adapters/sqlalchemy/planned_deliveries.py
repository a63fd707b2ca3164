"""Bulk insert of a run's planned deliveries and their matches, idempotent on (run, user).

PostgreSQL takes each batch as one INSERT ... SELECT FROM unnest(arrays) and the matches by COPY;
SQLite gets multi-row INSERTs. Either way a delivery whose (run, user) exists is skipped along with its
matches, which is what lets a crashed planning step simply run again."""

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import instance_dict

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import (
    asyncpg_connection,
    chunked,
    copy_rows,
    dialect_name,
)
from adapters.sqlalchemy.sqlite_bulk import datetime_text, insert_rows, json_text, present_keys, uuid_text
from domain.delivery import Delivery, MatchedJob, PlannedDelivery, PlannedMatch
from domain.jst import as_utc

_BATCH = 10_000
_SQLITE_BATCH = 2_000

_DELIVERY_COLUMNS = (
    ("id", "uuid"), ("run_id", "uuid"), ("campaign_id", "uuid"), ("user_id", "uuid"),
    ("email_address", "text"), ("subject", "text"), ("status", "text"), ("reason", "text"),
    ("message_id", "text"), ("attempts", "int4"), ("created_at", "timestamptz"),
    ("sent_at", "timestamptz"), ("opened_at", "timestamptz"), ("clicked_at", "timestamptz"),
    ("variant_id", "uuid"),
)  # fmt: skip
_MATCH_COLUMNS = (
    "id", "run_id", "delivery_id", "user_id", "job_id", "match_rank", "compatibility_score",
    "basic_score", "seo_score", "personalized_score", "match_reasons", "distance_km",
    "commute_time_minutes", "created_at",
)  # fmt: skip
_UNNEST_ARGS = ", ".join(f"${i}::{kind}[]" for i, (_, kind) in enumerate(_DELIVERY_COLUMNS, 1))
_PG_INSERT_DELIVERIES = (
    f"INSERT INTO email_logs ({', '.join(name for name, _ in _DELIVERY_COLUMNS)}) "
    f"SELECT * FROM unnest({_UNNEST_ARGS}) ON CONFLICT DO NOTHING RETURNING id"
)


async def add_planned(session: AsyncSession, planned: Sequence[PlannedDelivery | Delivery]) -> int:
    if not planned:
        return 0
    now = datetime.now(UTC)
    deliveries = [_as_row_source(d, now) for d in planned]
    await session.flush()
    on_postgres = await dialect_name(session) == "postgresql"
    inserted = 0
    for batch in chunked(deliveries, _BATCH if on_postgres else _SQLITE_BATCH):
        if on_postgres:
            inserted += await _add_batch_postgres(session, batch)
        else:
            inserted += await _add_batch_sqlite(session, batch)
    return inserted


class _Planned:
    """A PlannedDelivery seen with every Delivery attribute the row writers read."""

    __slots__ = ("__dict__",)

    def __init__(self, plan: PlannedDelivery, created_at: datetime) -> None:
        self.__dict__.update(
            id=plan.id, run_id=plan.run_id, campaign_id=plan.campaign_id, user_id=plan.user_id,
            email_address=plan.email_address, subject=None, status=plan.status, reason=plan.reason,
            message_id=None, attempts=0, created_at=created_at, sent_at=None, opened_at=None, clicked_at=None,
            matches=plan.matches, variant_id=plan.variant_id,
        )  # fmt: skip


def _as_row_source(d: PlannedDelivery | Delivery, now: datetime) -> Any:
    if isinstance(d, PlannedDelivery):
        return _Planned(d, now)
    if d.created_at is None:
        d.created_at = now
    return d


_DELIVERY_NAMES = tuple(name for name, _ in _DELIVERY_COLUMNS)


async def _add_batch_sqlite(session: AsyncSession, batch: list[Any]) -> int:
    rows = []
    for d in batch:
        v = _values(d)
        rows.append((
            uuid_text(v["id"]), uuid_text(v["run_id"]), uuid_text(v["campaign_id"]), uuid_text(v["user_id"]),
            v["email_address"], v["subject"], str(v["status"]), v["reason"], v["message_id"], v["attempts"],
            datetime_text(v["created_at"]), datetime_text(v["sent_at"]), datetime_text(v["opened_at"]),
            datetime_text(v["clicked_at"]), uuid_text(v["variant_id"]),
        ))  # fmt: skip
    # Inserted: the ids present after the insert that were not before (a row met an existing
    # (run, user), or is being submitted again, when its id was there already or never appears).
    ids = [row[0] for row in rows]
    before = await present_keys(session, "email_logs", "id", ids)
    await insert_rows(session, "email_logs", _DELIVERY_NAMES, rows, " ON CONFLICT DO NOTHING")
    inserted = await present_keys(session, "email_logs", "id", ids) - before
    matches = []
    for d, row in zip(batch, rows, strict=True):
        delivery, run, user, created = row[0], row[1], row[3], row[10]
        if delivery not in inserted:
            continue
        v = _values(d)
        for match in v["matches"]:
            m = _values(match)
            matches.append((
                uuid_text(m["id"]), run, delivery, user, uuid_text(m["job_id"]), m["match_rank"], m["total_score"],
                m["basic_score"], m["seo_score"], m["personalized_score"], json_text(list(m["reasons"])),
                m["distance_km"], m["commute_minutes"], created,
            ))  # fmt: skip
    await insert_rows(session, "matching_results", _MATCH_COLUMNS, matches)
    return len(inserted)


def _utc(value: datetime | None) -> datetime | None:
    # asyncpg reads a naive datetime as local time; the domain means UTC.
    return None if value is None else as_utc(value)


_FIELD_NAMES = {kind: tuple(item.name for item in fields(kind)) for kind in (Delivery, MatchedJob)}
_MATCH_FIELDS = _FIELD_NAMES[MatchedJob]


def _values(entity: object) -> dict[str, Any]:
    """The entity's attribute values. Its instance dict skips the ORM's attribute descriptors, which
    cost ~4 s per million matches; an attribute the ORM has not loaded falls back to getattr."""
    if isinstance(entity, PlannedMatch):  # plain and slotted: no instance dict
        return {name: getattr(entity, name) for name in _MATCH_FIELDS}
    values = instance_dict(entity)
    if isinstance(entity, _Planned):
        return values
    names = _FIELD_NAMES[type(entity)]  # type: ignore[index]
    if len(values) > len(names):  # every field plus the ORM's state
        return values
    return {name: getattr(entity, name) for name in names}


def _pg_delivery(d: Delivery) -> tuple[Any, ...]:
    v = _values(d)
    return (
        v["id"], v["run_id"], v["campaign_id"], v["user_id"], v["email_address"], v["subject"],
        str(v["status"]), v["reason"], v["message_id"], v["attempts"], _utc(v["created_at"]),
        _utc(v["sent_at"]), _utc(v["opened_at"]), _utc(v["clicked_at"]), v["variant_id"],
    )  # fmt: skip


def _pg_matches(d: Delivery) -> list[tuple[Any, ...]]:
    v = _values(d)
    run_id, delivery_id, user_id, created_at = v["run_id"], v["id"], v["user_id"], _utc(v["created_at"])
    records = []
    encode = msgspec.json.encode
    for m in v["matches"]:  # attribute reads: a planned match is slotted, with no instance dict to copy
        records.append((
            m.id, run_id, delivery_id, user_id, m.job_id, m.match_rank, m.total_score, m.basic_score,
            m.seo_score, m.personalized_score, encode(m.reasons).decode(), m.distance_km, m.commute_minutes,
            created_at,
        ))  # fmt: skip
    return records


async def _add_batch_postgres(session: AsyncSession, batch: list[Delivery]) -> int:
    columns = [list(column) for column in zip(*(_pg_delivery(d) for d in batch), strict=True)]
    driver = await asyncpg_connection(session)
    inserted_ids = {record[0] for record in await driver.fetch(_PG_INSERT_DELIVERIES, *columns)}
    match_records = [record for d in batch if d.id in inserted_ids for record in _pg_matches(d)]
    if match_records:
        # Each match's foreign key is checked by a query PostgreSQL plans once per connection and keeps.
        # Planned on the first run of a fresh database, when email_logs holds a page or two, it is a
        # sequential scan, and every later check scans the whole table: the run's writes grow
        # quadratically (20k users: 0.1 s to 2 s per 10k matches, the database's core saturated). With
        # sequential scans off while the check is first planned, the plan kept is the primary-key lookup.
        await driver.execute("SET LOCAL enable_seqscan = off")
        await copy_rows(session, t.matching_results, _MATCH_COLUMNS, match_records)
        await driver.execute("SET LOCAL enable_seqscan TO DEFAULT")
    return len(inserted_ids)
