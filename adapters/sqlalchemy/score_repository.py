"""user_job_scores: rebuilt per batch of users, so writing is delete-then-bulk-insert (COPY on PostgreSQL)."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

import msgspec
from sqlalchemy import Text, cast, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import chunked, copy_rows, dialect_name
from adapters.sqlalchemy.sqlite_bulk import datetime_text, insert_rows, json_text, uuid_text
from application.ports import ScoreRecord
from domain.jst import as_utc
from domain.scoring.model import FACTOR_NAMES, ScoreBreakdown

_COLUMNS = ScoreRecord._fields  # the table's columns, in the record's order


class SqlAlchemyScoreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def replace_for_users(self, user_ids: Collection[uuid.UUID], records: Sequence[ScoreRecord]) -> None:
        await self._session.flush()
        scores = t.user_job_scores
        for chunk in chunked(set(user_ids)):
            await self._session.execute(delete(scores).where(scores.c.user_id.in_(chunk)))
        if not records:
            return
        records = _encoded(records)
        if await dialect_name(self._session) == "postgresql":
            await copy_rows(self._session, scores, _COLUMNS, _aware(records))
        else:
            await self._insert_sqlite(records)

    async def _insert_sqlite(self, records: Sequence[ScoreRecord]) -> None:
        rows = [
            (uuid_text(r.user_id), uuid_text(r.job_id), r.basic_score, r.seo_score, r.personalized_score,
             r.total_score, json_text(r.score_factors), datetime_text(r.calculated_at))
            for r in records
        ]  # fmt: skip
        await insert_rows(self._session, "user_job_scores", _COLUMNS, rows)

    async def top_for_user(self, user_id: uuid.UUID, limit: int) -> list[ScoreRecord]:
        scores = t.user_job_scores
        columns = [scores.c[name] for name in _COLUMNS if name != "score_factors"]
        query = (
            select(*columns, cast(scores.c.score_factors, Text).label("score_factors"))
            .where(scores.c.user_id == user_id)
            .order_by(scores.c.total_score.desc(), scores.c.job_id)
            .limit(limit)
        )
        rows = await self._session.execute(query)
        return [ScoreRecord(**row._mapping) for row in rows]

    async def remove_jobs(self, job_ids: Collection[uuid.UUID]) -> int:
        await self._session.flush()
        scores, removed = t.user_job_scores, 0
        for chunk in chunked(set(job_ids)):
            result = await self._session.execute(delete(scores).where(scores.c.job_id.in_(chunk)))
            removed += int(result.rowcount)  # type: ignore[attr-defined]
        return removed


_Factors = msgspec.defstruct("_Factors", [(name, float) for name in FACTOR_NAMES])


class _ScoreFactors(msgspec.Struct):
    """The JSON of `ScoreBreakdown.as_json_dict`, as a struct: half the cost of building and encoding the
    dict, for the million scores a run writes."""

    cold_start: bool
    distance_km: float | None
    commute_minutes: float | None
    values: Any
    points: Any


_encoder = msgspec.json.Encoder()


def encode_score_factors(score: ScoreBreakdown) -> str:
    """A score's factors as JSON text, the same document as `score.as_json_dict()`."""
    return _encoder.encode(
        _ScoreFactors(score.cold_start, score.distance_km, score.commute_minutes, _Factors(*score.values),
                      _Factors(*score.contributions))
    ).decode()  # fmt: skip


def _encoded(records: Sequence[ScoreRecord]) -> Sequence[ScoreRecord]:
    """Factors given as a dict become JSON text here (planning usually sends them encoded already)."""
    if all(isinstance(record.score_factors, str) for record in records):
        return records
    return [
        r if isinstance(r.score_factors, str) else r._replace(score_factors=_encoder.encode(r.score_factors).decode())
        for r in records
    ]


def _aware(records: Sequence[ScoreRecord]) -> Sequence[ScoreRecord]:
    # asyncpg reads a naive datetime as local time; the domain means UTC.
    if all(record.calculated_at.tzinfo is not None for record in records):
        return records
    return [record._replace(calculated_at=as_utc(record.calculated_at)) for record in records]
