"""Mail link hits (open pixel and click fetches), in Core SQL: append-only rows."""

import uuid

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sqlalchemy import tables as t
from domain.link_scanners import LinkHit


class SqlAlchemyLinkHitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, hit: LinkHit) -> None:
        await self._session.execute(insert(t.mail_link_hits).values(
            id=hit.id, delivery_id=hit.delivery_id, kind=hit.kind, job_id=hit.job_id, occurred_at=hit.occurred_at,
            user_agent=hit.user_agent, scanner_reason=hit.scanner_reason,
        ))  # fmt: skip

    async def for_delivery(self, delivery_id: uuid.UUID) -> list[LinkHit]:
        h = t.mail_link_hits
        rows = await self._session.execute(select(h).where(h.c.delivery_id == delivery_id).order_by(h.c.occurred_at))
        return [LinkHit(r.delivery_id, r.kind, r.occurred_at, r.user_agent, r.scanner_reason, r.job_id, id=r.id)
                for r in rows]  # fmt: skip
