"""The Unit of Work over an AsyncSession: one session and transaction per `async with`."""

from types import TracebackType
from typing import Self

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sqlalchemy.analytics import SqlAlchemyAnalytics
from adapters.sqlalchemy.delivery_repository import SqlAlchemyDeliveryRepository
from adapters.sqlalchemy.errors import StorageConflict, StorageError
from adapters.sqlalchemy.job_alert_repository import SqlAlchemyJobAlertRepository
from adapters.sqlalchemy.link_hit_repository import SqlAlchemyLinkHitRepository
from adapters.sqlalchemy.repositories import (
    SqlAlchemyActionRepository,
    SqlAlchemyCampaignRepository,
    SqlAlchemyCompanyRepository,
    SqlAlchemyJobRepository,
    SqlAlchemyUserRepository,
)
from adapters.sqlalchemy.score_repository import SqlAlchemyScoreRepository
from adapters.sqlalchemy.security_repositories import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyAuditRepository,
    SqlAlchemyRefreshTokenRepository,
)
from adapters.sqlalchemy.shard_repositories import SqlAlchemyScheduleRepository, SqlAlchemyShardRepository
from adapters.sqlalchemy.suppression_repository import SqlAlchemySuppressionRepository


class SqlAlchemyUnitOfWork:
    jobs: SqlAlchemyJobRepository
    companies: SqlAlchemyCompanyRepository
    users: SqlAlchemyUserRepository
    actions: SqlAlchemyActionRepository
    campaigns: SqlAlchemyCampaignRepository
    deliveries: SqlAlchemyDeliveryRepository
    scores: SqlAlchemyScoreRepository
    refresh_tokens: SqlAlchemyRefreshTokenRepository
    api_keys: SqlAlchemyApiKeyRepository
    audit: SqlAlchemyAuditRepository
    suppressions: SqlAlchemySuppressionRepository
    link_hits: SqlAlchemyLinkHitRepository
    job_alerts: SqlAlchemyJobAlertRepository
    analytics: SqlAlchemyAnalytics
    shards: SqlAlchemyShardRepository
    schedule: SqlAlchemyScheduleRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session, for adapters that must share the transaction (e.g. an outbox)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use `async with uow:`")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session = self._session_factory()
        self.jobs = SqlAlchemyJobRepository(session)
        self.companies = SqlAlchemyCompanyRepository(session)
        self.users = SqlAlchemyUserRepository(session)
        self.actions = SqlAlchemyActionRepository(session)
        self.campaigns = SqlAlchemyCampaignRepository(session)
        self.deliveries = SqlAlchemyDeliveryRepository(session)
        self.scores = SqlAlchemyScoreRepository(session)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(session)
        self.api_keys = SqlAlchemyApiKeyRepository(session)
        self.audit = SqlAlchemyAuditRepository(session)
        self.suppressions = SqlAlchemySuppressionRepository(session)
        self.link_hits = SqlAlchemyLinkHitRepository(session)
        self.job_alerts = SqlAlchemyJobAlertRepository(session)
        self.analytics = SqlAlchemyAnalytics(session)
        self.shards = SqlAlchemyShardRepository(session)
        self.schedule = SqlAlchemyScheduleRepository(session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self.session, None
        try:
            await _discard(session)
        finally:
            await session.close()
        # A driver error from any repository call leaves the block as the application's own error.
        if isinstance(exc_value, exc.SQLAlchemyError):
            raise _storage_error(exc_value) from exc_value

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except exc.SQLAlchemyError as error:
            raise _storage_error(error) from error

    async def rollback(self) -> None:
        await _discard(self.session)


def _storage_error(error: exc.SQLAlchemyError) -> StorageError:
    if isinstance(error, exc.IntegrityError):
        return StorageConflict(str(error.orig))
    return StorageError(str(error))


async def _discard(session: AsyncSession) -> None:
    """Roll back what was not committed, leaving the caller's objects readable.

    A plain rollback expires every object the session holds, and an expired object of a closed async
    session raises on any attribute access, even `.id`. Detaching first keeps them as plain values,
    as the in-memory twin does; it is a no-op for the database after commit()."""
    session.expunge_all()
    await session.rollback()
