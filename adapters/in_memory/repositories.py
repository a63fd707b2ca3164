"""In-memory twins of the entity repositories; they pass the same contract tests as the SQL ones."""

import copy
import uuid
from collections.abc import Collection
from datetime import datetime

from adapters.in_memory.store import Transaction
from domain.action import Action, ActionEvent
from domain.campaign import Campaign
from domain.company import Company
from domain.job import Job
from domain.job_search import JobSearch, SearchPosition, search_order
from domain.jst import as_utc
from domain.user import User


class InMemoryJobRepository:
    def __init__(self, tx: Transaction) -> None:
        self._jobs = tx.jobs

    async def add(self, job: Job) -> None:
        self._jobs.add(job.id, job)

    async def get(self, job_id: uuid.UUID) -> Job | None:
        return self._jobs.get(job_id)

    async def get_many(self, job_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Job]:
        found = (self._jobs.get(job_id) for job_id in set(job_ids))
        return {job.id: job for job in found if job is not None}

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Job]:
        wanted = set(external_ids)
        rows = self._jobs.select(lambda job: job.external_id in wanted, lambda job: job.id)
        return {job.external_id: job for job in rows if job.external_id is not None}

    async def list_open(self, at: datetime) -> list[Job]:
        rows = self._jobs.select(lambda job: job.is_open_at(at), lambda job: job.id)
        return sorted(rows, key=lambda job: (-as_utc(job.posted_at).timestamp(), job.id))

    async def expired_between(self, after: datetime, until: datetime) -> list[uuid.UUID]:
        start, end = as_utc(after), as_utc(until)
        found = [
            (as_utc(job.expires_at), job.id) for job in self._jobs.peek()
            if job.is_active and job.expires_at is not None and start < as_utc(job.expires_at) <= end
        ]  # fmt: skip
        return [job_id for _, job_id in sorted(found)]

    async def search(self, criteria: JobSearch, at: datetime, after: SearchPosition | None, limit: int) -> list[Job]:
        found = [
            job for job in self._jobs.peek() if criteria.matches(job, at) and (after is None or after.comes_before(job))
        ]
        found.sort(key=search_order)
        return [row for job in found[:limit] if (row := self._jobs.get(job.id)) is not None]


class InMemoryCompanyRepository:
    def __init__(self, tx: Transaction) -> None:
        self._companies = tx.companies

    async def add(self, company: Company) -> None:
        self._companies.add(company.id, company)

    async def get(self, company_id: uuid.UUID) -> Company | None:
        return self._companies.get(company_id)

    async def by_name(self, name: str) -> Company | None:
        rows = self._companies.select(lambda company: company.name == name, lambda company: company.id)
        return rows[0] if rows else None


class InMemoryUserRepository:
    def __init__(self, tx: Transaction) -> None:
        self._users = tx.users

    async def add(self, user: User) -> None:
        self._users.add(user.id, user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return self._users.get(user_id)

    async def get_many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, User]:
        return {user_id: user for user_id in set(user_ids) if (user := self._users.get(user_id)) is not None}

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, User]:
        wanted = set(external_ids)
        rows = self._users.select(lambda user: user.external_id in wanted, lambda user: user.id)
        return {user.external_id: user for user in rows if user.external_id is not None}

    async def by_email(self, email: str) -> User | None:
        # Several users may share an address; the oldest account answers for it (as in SQL).
        rows = self._users.select(lambda user: user.email == email, lambda user: user.id)
        rows.sort(key=lambda u: (u.created_at is None, as_utc(u.created_at) if u.created_at else 0, u.id))
        return rows[0] if rows else None

    async def list_audience(self) -> list[User]:
        rows = self._users.select(lambda user: user.is_active and user.email_opt_in, lambda user: user.id)
        return sorted(rows, key=lambda user: user.id)


class InMemoryActionRepository:
    def __init__(self, tx: Transaction) -> None:
        self._actions = tx.actions

    async def add(self, action: Action) -> None:
        self._actions.add(action.id, action)

    async def events_since(self, since: datetime) -> list[ActionEvent]:
        return [ActionEvent(a.user_id, a.job_id, a.kind, as_utc(a.occurred_at)) for a in await self.list_since(since)]

    async def list_since(self, since: datetime, user_ids: Collection[uuid.UUID] | None = None) -> list[Action]:
        start = as_utc(since)
        users = None if user_ids is None else set(user_ids)
        rows = self._actions.select(
            lambda a: as_utc(a.occurred_at) >= start and (users is None or a.user_id in users),
            lambda a: a.id,
        )
        return sorted(rows, key=lambda a: (as_utc(a.occurred_at), a.id))


class InMemoryCampaignRepository:
    def __init__(self, tx: Transaction) -> None:
        self._campaigns = tx.campaigns

    async def add(self, campaign: Campaign) -> None:
        self._campaigns.add(campaign.id, campaign)

    async def get(self, campaign_id: uuid.UUID) -> Campaign | None:
        return self._campaigns.get(campaign_id)

    async def by_name(self, name: str) -> Campaign | None:
        rows = self._campaigns.select(lambda campaign: campaign.name == name, lambda campaign: campaign.id)
        return rows[0] if rows else None

    async def list_all(self) -> list[Campaign]:
        return sorted(self._campaigns.select(lambda c: True, lambda c: c.id), key=lambda c: c.name)

    async def get_or_add(self, campaign: Campaign) -> Campaign:
        found = await self.by_name(campaign.name)
        if found is not None:
            return found
        stored = copy.deepcopy(campaign)
        stored.variants = []
        self._campaigns.add(stored.id, stored)
        return stored
