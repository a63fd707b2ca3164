"""In-memory twin of the suppression repository: bounce events and suppressed addresses."""

from collections.abc import Collection

from adapters.in_memory.store import Transaction
from domain.suppression import BounceEvent, BounceKind, Suppression, normalize_address


class InMemorySuppressionRepository:
    def __init__(self, tx: Transaction) -> None:
        self._events = tx.bounce_events
        self._suppressions = tx.suppressions

    async def add_event(self, event: BounceEvent) -> bool:
        email = normalize_address(event.email)
        if any(e.report_key == event.report_key and e.email == email for e in self._events.peek()):
            return False
        event.email = email
        self._events.add(event.id, event)
        return True

    async def soft_count(self, email: str) -> int:
        email = normalize_address(email)
        return sum(1 for e in self._events.peek() if e.email == email and e.kind is BounceKind.SOFT)

    async def suppress(self, suppression: Suppression) -> bool:
        suppression.email = normalize_address(suppression.email)
        if await self.get(suppression.email) is not None:
            return False
        self._suppressions.add(suppression.id, suppression)
        return True

    async def get(self, email: str) -> Suppression | None:
        email = normalize_address(email)
        rows = self._suppressions.select(lambda s: s.email == email, lambda s: s.id)
        return rows[0] if rows else None

    async def suppressed_among(self, emails: Collection[str]) -> set[str]:
        wanted = {normalize_address(e) for e in emails}
        return {s.email for s in self._suppressions.peek() if s.email in wanted}
