"""Shards of sharded runs and the scheduler's record of firings, written with Core statements: both are
small rows read and written whole, with no object graph to track."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import dialect_name, insert_ignoring_conflicts
from domain.campaign import CampaignRun
from domain.cron import ScheduledFire
from domain.shard import RunShard, ShardStatus


def _shard(row: Any) -> RunShard:
    return RunShard(
        run_id=row.run_id, shard_no=row.shard_no, user_ids=[uuid.UUID(u) for u in row.user_ids],
        status=ShardStatus(row.status), sent=row.sent, skipped=row.skipped, failed=row.failed,
        finished_at=row.finished_at, id=row.id,
    )  # fmt: skip


class SqlAlchemyShardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, shards: Sequence[RunShard]) -> int:
        if not shards:
            return 0
        rows = [
            {"id": s.id, "run_id": s.run_id, "shard_no": s.shard_no, "user_ids": [str(u) for u in s.user_ids],
             "status": s.status, "sent": s.sent, "skipped": s.skipped, "failed": s.failed,
             "finished_at": s.finished_at}
            for s in shards
        ]  # fmt: skip
        statement = insert_ignoring_conflicts(await dialect_name(self._session), t.run_shards)
        result = await self._session.execute(statement.returning(t.run_shards.c.id), rows)
        return len(result.all())

    async def for_run(self, run_id: uuid.UUID) -> list[RunShard]:
        query = select(t.run_shards).where(t.run_shards.c.run_id == run_id).order_by(t.run_shards.c.shard_no)
        return [_shard(row) for row in await self._session.execute(query)]

    async def get(self, run_id: uuid.UUID, shard_no: int) -> RunShard | None:
        shards = t.run_shards
        query = select(shards).where(shards.c.run_id == run_id, shards.c.shard_no == shard_no)
        row = (await self._session.execute(query)).first()
        return None if row is None else _shard(row)

    async def save(self, shard: RunShard) -> None:
        await self._session.execute(
            update(t.run_shards)
            .where(t.run_shards.c.id == shard.id)
            .values(status=shard.status, sent=shard.sent, skipped=shard.skipped, failed=shard.failed,
                    finished_at=shard.finished_at)
        )  # fmt: skip

    async def get_run(self, run_id: uuid.UUID) -> CampaignRun | None:
        return await self._session.get(CampaignRun, run_id)

    async def lock_run(self, run_id: uuid.UUID) -> None:
        # SQLite has one writer at a time: the transaction's first write already serialises it.
        runs = t.campaign_runs
        await self._session.execute(select(runs.c.id).where(runs.c.id == run_id).with_for_update())


class SqlAlchemyScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_fire(self, fire: ScheduledFire) -> bool:
        statement = insert_ignoring_conflicts(await dialect_name(self._session), t.schedule_fires)
        row = {
            "schedule_id": fire.schedule_id, "fire_at": fire.fire_at, "outcome": fire.outcome,
            "recorded_at": fire.recorded_at, "run_date": fire.run_date,
        }  # fmt: skip
        result = await self._session.execute(statement.returning(t.schedule_fires.c.schedule_id), row)
        return result.first() is not None

    async def fires(self, schedule_id: str, limit: int = 10) -> list[ScheduledFire]:
        fires = t.schedule_fires
        query = select(fires).where(fires.c.schedule_id == schedule_id).order_by(fires.c.fire_at.desc()).limit(limit)
        return [
            ScheduledFire(row.schedule_id, row.fire_at, row.outcome, row.recorded_at, row.run_date)
            for row in await self._session.execute(query)
        ]

    async def watermark(self, sweep: str) -> datetime | None:
        marks = t.sweep_watermarks
        found: datetime | None = await self._session.scalar(select(marks.c.swept_until).where(marks.c.sweep == sweep))
        return found

    async def advance_watermark(self, sweep: str, expected: datetime | None, until: datetime) -> bool:
        marks = t.sweep_watermarks
        if expected is None:
            statement = insert_ignoring_conflicts(await dialect_name(self._session), marks)
            inserted = await self._session.execute(
                statement.returning(marks.c.sweep), {"sweep": sweep, "swept_until": until}
            )
            return inserted.first() is not None
        moved = await self._session.execute(
            update(marks).where(marks.c.sweep == sweep, marks.c.swept_until == expected)
            .values(swept_until=until).returning(marks.c.sweep)
        )  # fmt: skip
        return moved.first() is not None
