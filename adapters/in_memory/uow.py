"""In-memory Unit of Work: one transaction per `async with`, rolled back unless committed."""

import asyncio
from types import TracebackType
from typing import Self

from adapters.in_memory.analytics import InMemoryAnalytics
from adapters.in_memory.delivery_repository import InMemoryDeliveryRepository
from adapters.in_memory.job_alert_repository import InMemoryJobAlertRepository
from adapters.in_memory.link_hit_repository import InMemoryLinkHitRepository
from adapters.in_memory.repositories import (
    InMemoryActionRepository,
    InMemoryCampaignRepository,
    InMemoryCompanyRepository,
    InMemoryJobRepository,
    InMemoryUserRepository,
)
from adapters.in_memory.score_repository import InMemoryScoreRepository
from adapters.in_memory.security_repositories import (
    InMemoryApiKeyRepository,
    InMemoryAuditRepository,
    InMemoryRefreshTokenRepository,
)
from adapters.in_memory.shard_repositories import InMemoryScheduleRepository, InMemoryShardRepository
from adapters.in_memory.store import InMemoryStore, Transaction
from adapters.in_memory.suppression_repository import InMemorySuppressionRepository


class InMemoryUnitOfWork:
    jobs: InMemoryJobRepository
    companies: InMemoryCompanyRepository
    users: InMemoryUserRepository
    actions: InMemoryActionRepository
    campaigns: InMemoryCampaignRepository
    deliveries: InMemoryDeliveryRepository
    scores: InMemoryScoreRepository
    refresh_tokens: InMemoryRefreshTokenRepository
    api_keys: InMemoryApiKeyRepository
    audit: InMemoryAuditRepository
    suppressions: InMemorySuppressionRepository
    link_hits: InMemoryLinkHitRepository
    job_alerts: InMemoryJobAlertRepository
    analytics: InMemoryAnalytics
    shards: InMemoryShardRepository
    schedule: InMemoryScheduleRepository

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store if store is not None else InMemoryStore()
        self._tx: Transaction | None = None
        self.commits = 0  # lets a use-case test check that it committed

    async def __aenter__(self) -> Self:
        if self._tx is not None:
            raise RuntimeError("this unit of work is already open")
        task = asyncio.current_task()
        if task is not None and self.store.holder is task:
            # Transactions on one store are serialised; the same task waiting for itself never ends.
            raise RuntimeError("nested in-memory transactions on one store in one task would deadlock")
        await self.store.lock.acquire()
        self.store.holder = task
        self._begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._tx = None
        self.store.holder = None
        self.store.lock.release()

    def _begin(self) -> None:
        tx = self._tx = Transaction(self.store)
        self.jobs = InMemoryJobRepository(tx)
        self.companies = InMemoryCompanyRepository(tx)
        self.users = InMemoryUserRepository(tx)
        self.actions = InMemoryActionRepository(tx)
        self.campaigns = InMemoryCampaignRepository(tx)
        self.deliveries = InMemoryDeliveryRepository(tx)
        self.scores = InMemoryScoreRepository(tx)
        self.refresh_tokens = InMemoryRefreshTokenRepository(tx)
        self.api_keys = InMemoryApiKeyRepository(tx)
        self.audit = InMemoryAuditRepository(tx)
        self.suppressions = InMemorySuppressionRepository(tx)
        self.link_hits = InMemoryLinkHitRepository(tx)
        self.job_alerts = InMemoryJobAlertRepository(tx)
        self.analytics = InMemoryAnalytics(tx)
        self.shards = InMemoryShardRepository(tx)
        self.schedule = InMemoryScheduleRepository(tx)

    def _open(self) -> Transaction:
        if self._tx is None:
            raise RuntimeError("the unit of work is not open; use `async with uow:`")
        return self._tx

    async def commit(self) -> None:
        self._open().commit()
        self.commits += 1

    async def rollback(self) -> None:
        self._open()
        self._begin()
