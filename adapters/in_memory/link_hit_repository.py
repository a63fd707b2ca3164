"""In-memory twin of the mail link hit repository."""

import uuid

from adapters.in_memory.store import Transaction
from domain.link_scanners import LinkHit


class InMemoryLinkHitRepository:
    def __init__(self, tx: Transaction) -> None:
        self._hits = tx.link_hits

    async def add(self, hit: LinkHit) -> None:
        self._hits.add(hit.id, hit)

    async def for_delivery(self, delivery_id: uuid.UUID) -> list[LinkHit]:
        rows = self._hits.select(lambda h: h.delivery_id == delivery_id, lambda h: h.id)
        return sorted(rows, key=lambda h: h.occurred_at)
