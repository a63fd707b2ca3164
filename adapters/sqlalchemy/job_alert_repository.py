"""The instant-alert record (job_alerts) in Core SQL: INSERT ... ON CONFLICT DO NOTHING RETURNING, so two
processes alerting one user of one job at once never both get it, and neither fails."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import chunked, dialect_name, insert_ignoring_conflicts
from domain.alerts import JobAlert

_ROWS_PER_STATEMENT = 1_000  # five parameters a row, well within the drivers' 32767


class SqlAlchemyJobAlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_new(self, alerts: Sequence[JobAlert]) -> list[JobAlert]:
        unique: dict[tuple[uuid.UUID, uuid.UUID], JobAlert] = {}
        for alert in alerts:
            unique.setdefault((alert.user_id, alert.job_id), alert)
        if not unique:
            return []
        await self._session.flush()
        table = t.job_alerts
        dialect = await dialect_name(self._session)
        added: set[tuple[uuid.UUID, uuid.UUID]] = set()
        # Keys in one order, so two transactions inserting some of the same keys wait for each other
        # instead of deadlocking.
        for batch in chunked(sorted(unique.values(), key=lambda a: (a.user_id, a.job_id)), _ROWS_PER_STATEMENT):
            rows = [
                {"user_id": a.user_id, "job_id": a.job_id, "delivery_id": a.delivery_id, "event_id": a.event_id,
                 "alerted_at": a.alerted_at}
                for a in batch
            ]  # fmt: skip
            statement: Any = insert_ignoring_conflicts(dialect, table).values(rows)
            result = await self._session.execute(statement.returning(table.c.user_id, table.c.job_id))
            added.update((row.user_id, row.job_id) for row in result)
        return [a for key, a in unique.items() if key in added]

    async def alerted_among(
        self, user_ids: Collection[uuid.UUID], job_ids: Collection[uuid.UUID]
    ) -> set[tuple[uuid.UUID, uuid.UUID]]:
        jobs = list(set(job_ids))
        if not jobs or not user_ids:
            return set()
        await self._session.flush()
        table = t.job_alerts
        found: set[tuple[uuid.UUID, uuid.UUID]] = set()
        for users in chunked(set(user_ids), max(1, 10_000 - len(jobs))):
            query = select(table.c.user_id, table.c.job_id).where(table.c.user_id.in_(users), table.c.job_id.in_(jobs))
            found.update((row.user_id, row.job_id) for row in await self._session.execute(query))
        return found
