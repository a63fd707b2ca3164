"""Refresh tokens, API keys and the audit trail. Entities are tracked by the session; revoking a family
or a user's tokens is one set-based UPDATE, which also updates the tokens this session holds."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from adapters.sqlalchemy import tables as t
from application.ports import AuditFilter
from domain.security import ApiKey, AuditEntry, RefreshToken


async def _save(session: AsyncSession, entity: object) -> None:
    """A loaded entity is saved on flush anyway; one from another unit of work is merged into this one."""
    if entity not in session:
        await session.merge(entity)


class SqlAlchemyRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        self._session.add(token)

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        # FOR UPDATE (PostgreSQL; SQLite writes one at a time anyway): two refreshes racing with one
        # token are serialised, so the second sees used_at and revokes the family instead of also
        # rotating. The lock ends with the unit of work.
        query = select(RefreshToken).where(t.refresh_tokens.c.token_hash == token_hash).with_for_update()
        return (await self._session.scalars(query)).first()

    async def save(self, token: RefreshToken) -> None:
        await _save(self._session, token)

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> int:
        return await self._revoke(t.refresh_tokens.c.family_id == family_id, at)

    async def revoke_user(self, user_id: uuid.UUID, at: datetime) -> int:
        return await self._revoke(t.refresh_tokens.c.user_id == user_id, at)

    async def _revoke(self, which: ColumnElement[bool], at: datetime) -> int:
        tokens = t.refresh_tokens
        # ORM-enabled, so the tokens already loaded in this session see revoked_at too; the session
        # is flushed first, so tokens added in this unit of work are revoked as well.
        statement = (
            update(RefreshToken)
            .where(which, tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session="fetch")
        )
        await self._session.flush()
        result: Any = await self._session.execute(statement)
        return int(result.rowcount)


class SqlAlchemyApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, key: ApiKey) -> None:
        self._session.add(key)

    async def get(self, key_id: uuid.UUID) -> ApiKey | None:
        return await self._session.get(ApiKey, key_id)

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        query = select(ApiKey).where(t.api_keys.c.key_hash == key_hash)
        return (await self._session.scalars(query)).first()

    async def list_all(self) -> list[ApiKey]:
        keys = t.api_keys
        query = select(ApiKey).order_by(keys.c.created_at.asc().nulls_last(), keys.c.id)
        return list(await self._session.scalars(query))

    async def save(self, key: ApiKey) -> None:
        if key in self._session:
            # A plain JSON column: the ORM cannot see a permission appended to the list in place.
            flag_modified(key, "permissions")
        await _save(self._session, key)


class SqlAlchemyAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: AuditEntry) -> None:
        self._session.add(entry)

    async def recent(self, limit: int, before: datetime | None = None) -> list[AuditEntry]:
        log = t.audit_log
        query = select(AuditEntry).order_by(log.c.at.desc(), log.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(log.c.at < before)
        return list(await self._session.scalars(query))

    async def search(self, where: AuditFilter, limit: int) -> list[AuditEntry]:
        log = t.audit_log
        conditions: list[ColumnElement[bool]] = []
        if where.actor is not None:
            conditions.append(log.c.actor == where.actor)
        if where.action is not None:
            conditions.append(log.c.action == where.action)
        if where.since is not None:
            conditions.append(log.c.at >= where.since)
        if where.until is not None:
            conditions.append(log.c.at < where.until)
        if where.before is not None:
            at, entry_id = where.before
            conditions.append(or_(log.c.at < at, and_(log.c.at == at, log.c.id < entry_id)))
        query = select(AuditEntry).where(*conditions).order_by(log.c.at.desc(), log.c.id.desc()).limit(limit)
        return list(await self._session.scalars(query))
