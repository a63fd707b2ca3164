"""user_job_scores: rebuilt per batch of users, so writing is delete-then-bulk-insert (COPY on PostgreSQL)."""

import uuid
from collections.abc import Collection, Sequence

import msgspec
from sqlalchemy import String, Text, bindparam, cast, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import chunked, copy_rows, dialect_name
from application.ports import ScoreRecord
from domain.jst import as_utc

_COLUMNS = ScoreRecord._fields  # the table's columns, in the record's order
_SQLITE_BATCH = 20_000


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
        # score_factors is already JSON text: bind it as text so the JSON type does not encode it twice.
        statement = insert(t.user_job_scores).values(score_factors=bindparam("factors_json", type_=String))
        for batch in chunked(records, _SQLITE_BATCH):
            await self._session.execute(
                statement,
                [
                    {
                        "user_id": r.user_id, "job_id": r.job_id, "basic_score": r.basic_score,
                        "seo_score": r.seo_score, "personalized_score": r.personalized_score,
                        "total_score": r.total_score, "factors_json": r.score_factors,
                        "calculated_at": r.calculated_at,
                    }
                    for r in batch
                ],
            )  # fmt: skip

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


def _encoded(records: Sequence[ScoreRecord]) -> Sequence[ScoreRecord]:
    """Factors given as a dict become JSON text here, with msgspec (~10x the stdlib's speed)."""
    if all(isinstance(record.score_factors, str) for record in records):
        return records
    encode = msgspec.json.encode
    return [
        r if isinstance(r.score_factors, str) else r._replace(score_factors=encode(r.score_factors).decode())
        for r in records
    ]


def _aware(records: Sequence[ScoreRecord]) -> Sequence[ScoreRecord]:
    # asyncpg reads a naive datetime as local time; the domain means UTC.
    if all(record.calculated_at.tzinfo is not None for record in records):
        return records
    return [record._replace(calculated_at=as_utc(record.calculated_at)) for record in records]
