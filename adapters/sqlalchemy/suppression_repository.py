"""Bounce events and suppressed addresses, in Core SQL: both are append-only rows written with
INSERT ... ON CONFLICT DO NOTHING, so two processes reading the same report (or suppressing the same
address) at once never fail each other's transaction."""

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import dialect_name
from domain.suppression import BounceEvent, BounceKind, Suppression, normalize_address


class SqlAlchemySuppressionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _insert_new(self, table: Any, values: dict[str, Any], keys: list[str]) -> bool:
        module: Any = postgresql if await dialect_name(self._session) == "postgresql" else sqlite
        statement = module.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        result: Any = await self._session.execute(statement)
        return bool(result.rowcount)

    async def add_event(self, event: BounceEvent) -> bool:
        event.email = normalize_address(event.email)
        values = {
            "id": event.id, "report_key": event.report_key, "email": event.email, "kind": event.kind,
            "status": event.status, "diagnostic": event.diagnostic, "delivery_id": event.delivery_id,
            "received_at": event.received_at,
        }  # fmt: skip
        return await self._insert_new(t.bounce_events, values, ["report_key", "email"])

    async def soft_count(self, email: str) -> int:
        events = t.bounce_events
        query = select(func.count()).where(events.c.email == normalize_address(email), events.c.kind == BounceKind.SOFT)
        return int((await self._session.execute(query)).scalar_one())

    async def suppress(self, suppression: Suppression) -> bool:
        suppression.email = normalize_address(suppression.email)
        values = {
            "id": suppression.id, "email": suppression.email, "kind": suppression.kind,
            "reason": suppression.reason, "delivery_id": suppression.delivery_id,
            "created_at": suppression.created_at,
        }  # fmt: skip
        return await self._insert_new(t.email_suppressions, values, ["email"])

    async def get(self, email: str) -> Suppression | None:
        s = t.email_suppressions
        row = (await self._session.execute(select(s).where(s.c.email == normalize_address(email)))).first()
        if row is None:
            return None
        return Suppression(row.email, row.kind, row.reason, row.created_at, row.delivery_id, id=row.id)

    async def suppressed_among(self, emails: Collection[str]) -> set[str]:
        wanted = sorted({normalize_address(e) for e in emails})
        found: set[str] = set()
        s = t.email_suppressions
        for start in range(0, len(wanted), 500):  # bounded IN lists for SQLite's parameter limit
            chunk = wanted[start : start + 500]
            found.update((await self._session.scalars(select(s.c.email).where(s.c.email.in_(chunk)))).all())
        return found
