"""In-memory twins of the refresh-token, API-key and audit repositories."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from adapters.in_memory.store import Transaction, WorkingTable
from application.ports import AuditFilter
from domain.jst import as_utc
from domain.security import ApiKey, AuditEntry, RefreshToken

V = TypeVar("V")


class InMemoryRefreshTokenRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tokens = tx.refresh_tokens

    async def add(self, token: RefreshToken) -> None:
        self._tokens.add(token.id, token)

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        rows = self._tokens.select(lambda token: token.token_hash == token_hash, lambda token: token.id)
        return rows[0] if rows else None

    async def save(self, token: RefreshToken) -> None:
        _save(self._tokens, token.id, token)

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> int:
        return self._revoke(lambda token: token.family_id == family_id, at)

    async def revoke_user(self, user_id: uuid.UUID, at: datetime) -> int:
        return self._revoke(lambda token: token.user_id == user_id, at)

    def _revoke(self, which: Callable[[RefreshToken], bool], at: datetime) -> int:
        # Changes this transaction's own copies, so tokens it handed out see revoked_at too (as in SQL).
        rows = self._tokens.select(lambda token: which(token) and token.revoked_at is None, lambda token: token.id)
        for token in rows:
            token.revoked_at = at
        return len(rows)


class InMemoryApiKeyRepository:
    def __init__(self, tx: Transaction) -> None:
        self._keys = tx.api_keys

    async def add(self, key: ApiKey) -> None:
        self._keys.add(key.id, key)

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        return self._keys.get(key_id)

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        rows = self._keys.select(lambda key: key.key_hash == key_hash, lambda key: key.id)
        return rows[0] if rows else None

    async def list_all(self) -> list[ApiKey]:
        rows = self._keys.select(lambda key: True, lambda key: key.id)
        # As SQL orders them: oldest first, keys without created_at last, then by id.
        rows.sort(key=lambda k: (k.created_at is None, as_utc(k.created_at) if k.created_at else 0, k.id))
        return rows

    async def save(self, key: ApiKey) -> None:
        _save(self._keys, key.id, key)


class InMemoryAuditRepository:
    def __init__(self, tx: Transaction) -> None:
        self._entries = tx.audit

    async def add(self, entry: AuditEntry) -> None:
        self._entries.add(entry.id, entry)

    async def recent(self, limit: int, before: datetime | None = None) -> list[AuditEntry]:
        end = None if before is None else as_utc(before)
        rows = [entry for entry in self._entries.peek() if end is None or as_utc(entry.at) < end]
        rows.sort(key=lambda entry: (as_utc(entry.at), entry.id), reverse=True)
        found = (self._entries.get(entry.id) for entry in rows[:limit])
        return [entry for entry in found if entry is not None]


    async def search(self, where: AuditFilter, limit: int) -> list[AuditEntry]:
        def wanted(entry: AuditEntry) -> bool:
            at = as_utc(entry.at)
            return (
                (where.actor is None or entry.actor == where.actor)
                and (where.action is None or entry.action == where.action)
                and (where.since is None or at >= as_utc(where.since))
                and (where.until is None or at < as_utc(where.until))
                and (where.before is None or (at, entry.id) < (as_utc(where.before[0]), where.before[1]))
            )

        rows = sorted((e for e in self._entries.peek() if wanted(e)), key=lambda e: (as_utc(e.at), e.id), reverse=True)
        found = (self._entries.get(entry.id) for entry in rows[:limit])
        return [entry for entry in found if entry is not None]


def _save(table: WorkingTable[V], key: uuid.UUID, row: V) -> None:
    """As the SQL twin's merge: an object from another unit of work replaces this one's copy of the row
    (and a row that is missing is added)."""
    table.put(key, row)
