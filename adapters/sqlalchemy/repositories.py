"""SQLAlchemy repositories for jobs, users, actions and campaigns: entities tracked by the session, so
a change to a loaded object is saved on commit; except the open jobs and the audience a run reads, which
are read-only copies (snapshots.py)."""

import functools
import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from adapters.sqlalchemy import tables as t
from adapters.sqlalchemy.bulk import asyncpg_connection, chunked, dialect_name, insert_ignoring_conflicts
from adapters.sqlalchemy.snapshots import Snapshot
from adapters.sqlalchemy.sqlite_bulk import datetime_text, fetch_batches, parse_datetime, uuid_parser
from domain.action import Action, ActionEvent, ActionKind
from domain.campaign import Campaign
from domain.company import Company
from domain.job import Job
from domain.job_search import JobSearch, SearchPosition
from domain.user import Address, Preferences, User


@functools.cache  # built on first use, once the classes are mapped
def _job_snapshot() -> Snapshot[Job]:
    return Snapshot(Job)


@functools.cache
def _user_snapshots() -> tuple[Snapshot[User], Snapshot[Address], Snapshot[Preferences]]:
    return Snapshot(User, ("address", "preferences")), Snapshot(Address), Snapshot(Preferences)


class SqlAlchemyJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: Job) -> None:
        self._session.add(job)

    async def get(self, job_id: uuid.UUID) -> Job | None:
        return await self._session.get(Job, job_id)

    async def get_many(self, job_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Job]:
        found: dict[uuid.UUID, Job] = {}
        for chunk in chunked(set(job_ids)):
            rows = await self._session.scalars(select(Job).where(t.jobs.c.id.in_(chunk)))
            found.update((job.id, job) for job in rows)
        return found

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Job]:
        found: dict[str, Job] = {}
        for chunk in chunked(set(external_ids)):
            rows = await self._session.scalars(select(Job).where(t.jobs.c.external_id.in_(chunk)))
            found.update((job.external_id, job) for job in rows if job.external_id is not None)
        return found

    async def list_open(self, at: datetime) -> list[Job]:
        # Read-only copies (snapshots.py): a run reads every open job and changes none.
        jobs, snapshot = t.jobs, _job_snapshot()
        query = (
            select(*snapshot.columns)
            .where(jobs.c.is_active, (jobs.c.expires_at.is_(None)) | (jobs.c.expires_at > at))
            .order_by(jobs.c.posted_at.desc(), jobs.c.id)
        )
        return [snapshot.build(row) for row in await self._session.execute(query)]

    async def expired_between(self, after: datetime, until: datetime) -> list[uuid.UUID]:
        jobs = t.jobs  # on ix_jobs_active_expires
        query = (
            select(jobs.c.id)
            .where(jobs.c.is_active, jobs.c.expires_at > after, jobs.c.expires_at <= until)
            .order_by(jobs.c.expires_at, jobs.c.id)
        )
        return list(await self._session.scalars(query))

    async def search(self, criteria: JobSearch, at: datetime, after: SearchPosition | None, limit: int) -> list[Job]:
        jobs = t.jobs
        query = select(Job).where(jobs.c.is_active, (jobs.c.expires_at.is_(None)) | (jobs.c.expires_at > at))
        for column, value in (
            (jobs.c.prefecture_code, criteria.prefecture_code),
            (jobs.c.municipality_code, criteria.municipality_code),
            (jobs.c.city, criteria.city),
            (jobs.c.job_type, criteria.job_type),
        ):
            if value is not None:
                query = query.where(column == value)
        if criteria.station_codes:
            query = query.where(jobs.c.station_code.in_(criteria.station_codes))
        if criteria.industry_prefixes:
            query = query.where(
                or_(*(jobs.c.industry.startswith(p, autoescape=True) for p in criteria.industry_prefixes))
            )
        if criteria.min_hourly_wage is not None:
            query = query.where(jobs.c.hourly_wage >= criteria.min_hourly_wage)
        for word in criteria.keywords:
            query = query.where(jobs.c.search_text.contains(word, autoescape=True))
        if after is not None:
            query = query.where(
                (jobs.c.posted_at < after.posted_at)
                | ((jobs.c.posted_at == after.posted_at) & (jobs.c.id > after.job_id))
            )
        query = query.order_by(jobs.c.posted_at.desc(), jobs.c.id).limit(limit)
        return list(await self._session.scalars(query))


class SqlAlchemyCompanyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, company: Company) -> None:
        self._session.add(company)

    async def get(self, company_id: uuid.UUID) -> Company | None:
        return await self._session.get(Company, company_id)

    async def by_name(self, name: str) -> Company | None:
        return (await self._session.scalars(select(Company).where(t.companies.c.name == name))).first()


class SqlAlchemyUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        self._session.add(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self._session.get(User, user_id)

    async def get_many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, User]:
        found: dict[uuid.UUID, User] = {}
        for chunk in chunked(set(user_ids)):
            query = (
                select(User)
                .options(joinedload(User.address), joinedload(User.preferences))  # type: ignore[arg-type]
                .where(t.users.c.id.in_(chunk))
            )
            found.update((user.id, user) for user in (await self._session.scalars(query)).unique())
        return found

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, User]:
        found: dict[str, User] = {}
        for chunk in chunked(set(external_ids)):
            rows = await self._session.scalars(select(User).where(t.users.c.external_id.in_(chunk)))
            found.update((user.external_id, user) for user in rows if user.external_id is not None)
        return found

    async def by_email(self, email: str) -> User | None:
        # Several users may share an address; the oldest account answers for it.
        query = (
            select(User)
            .where(t.users.c.email == email)
            .order_by(t.users.c.created_at.asc().nulls_last(), t.users.c.id)
            .limit(1)
        )
        return (await self._session.scalars(query)).first()

    async def list_audience(self) -> list[User]:
        # Read-only copies (snapshots.py) from one joined query: a run reads the whole audience and changes
        # no one (through the ORM, 95k users took 12.2 s on SQLite; selectin's IN-queries 2-3x that).
        users, addresses, preferences = _user_snapshots()
        u, a, p = t.users, t.user_addresses, t.user_preferences
        query = (
            select(*users.columns, *addresses.columns, *preferences.columns)
            .select_from(u.outerjoin(a, a.c.user_id == u.c.id).outerjoin(p, p.c.user_id == u.c.id))
            .where(u.c.is_active, u.c.email_opt_in)
            .order_by(u.c.id)
        )
        at_address, at_preferences = users.width, users.width + addresses.width
        address_key, wishes_key = at_address + addresses.key_at, at_preferences + preferences.key_at
        audience: list[User] = []
        last: uuid.UUID | None = None
        for row in await self._session.execute(query):
            if row[users.key_at] == last:  # a second address or wishes row of the same user: the first stands
                continue
            last = row[users.key_at]
            address = None if row[address_key] is None else addresses.build(row[at_address:at_preferences])
            wishes = None if row[wishes_key] is None else preferences.build(row[at_preferences:])
            audience.append(users.build(row[:at_address], address=address, preferences=wishes))
        return audience


_EVENTS_SQL = (
    "SELECT user_id, entity_id, action_type, created_at FROM user_actions"
    " WHERE created_at >= $1 AND entity_id IS NOT NULL"
)


_SQLITE_EVENTS_SQL = _EVENTS_SQL.replace("$1", "?")


class SqlAlchemyActionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, action: Action) -> None:
        self._session.add(action)

    async def events_since(self, since: datetime) -> list[ActionEvent]:
        # Plain rows, not mapped objects: a run reads about a million actions and needs four fields.
        kinds = {kind.value: kind for kind in ActionKind}
        if await dialect_name(self._session) == "postgresql":
            # Straight from asyncpg: its UUIDs are uuid.UUID already (a subclass), and skipping the
            # per-value result processing saves seconds on a million rows.
            driver = await asyncpg_connection(self._session)
            rows = await driver.fetch(_EVENTS_SQL, since)
            return [ActionEvent(u, j, kinds[k], at) for u, j, k, at in rows]
        # Straight from the driver too: a million rows through the Core result's per-value processing took
        # 18 s at 100k users; the stored forms parsed here (each distinct id once) take a few.
        events: list[ActionEvent] = []
        as_uuid = uuid_parser()
        async for rows in fetch_batches(self._session, _SQLITE_EVENTS_SQL, (datetime_text(since),)):
            events.extend(ActionEvent(as_uuid(u), as_uuid(j), kinds[k], parse_datetime(at)) for u, j, k, at in rows)
        return events

    async def list_since(self, since: datetime, user_ids: Collection[uuid.UUID] | None = None) -> list[Action]:
        actions = t.user_actions
        query = select(Action).where(actions.c.created_at >= since).order_by(actions.c.created_at, actions.c.id)
        if user_ids is None:
            return list(await self._session.scalars(query))
        found: list[Action] = []
        for chunk in chunked(set(user_ids)):
            found.extend(await self._session.scalars(query.where(actions.c.user_id.in_(chunk))))
        found.sort(key=lambda action: (action.occurred_at, action.id))
        return found


class SqlAlchemyCampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, campaign: Campaign) -> None:
        self._session.add(campaign)

    async def get(self, campaign_id: uuid.UUID) -> Campaign | None:
        return await self._session.get(Campaign, campaign_id)

    async def by_name(self, name: str) -> Campaign | None:
        query = select(Campaign).where(t.email_campaigns.c.name == name)
        return (await self._session.scalars(query)).first()

    async def list_all(self) -> list[Campaign]:
        return list(await self._session.scalars(select(Campaign).order_by(t.email_campaigns.c.name)))

    async def get_or_add(self, campaign: Campaign) -> Campaign:
        await self._session.flush()
        # ON CONFLICT DO NOTHING then SELECT, like a run's creation: a racing process either inserts first
        # (we wait for its commit on the unique name, then read its row) or finds ours.
        table = t.email_campaigns
        values = {column.name: getattr(campaign, column.name) for column in table.columns}
        await self._session.execute(insert_ignoring_conflicts(await dialect_name(self._session), table), values)
        return (await self._session.scalars(select(Campaign).where(table.c.name == campaign.name))).one()
