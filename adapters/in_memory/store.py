"""The in-memory database: committed rows, and per-transaction working copies of them.

A transaction sees the committed rows through shallow copies of the dicts, and deep-copies a row the
first time it hands it out or changes it, so nothing a rolled-back transaction did (adds or changes to
loaded objects) reaches the committed rows. Transactions on one store run one at a time, which is
stricter than any database and so safe for the contract the ports state."""

import asyncio
import copy
import dataclasses
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from adapters.sqlalchemy.errors import StorageConflict
from application.ports import ScoreRecord
from domain.action import Action
from domain.alerts import JobAlert
from domain.campaign import Campaign, CampaignRun
from domain.company import Company
from domain.cron import ScheduledFire
from domain.delivery import Delivery
from domain.job import Job
from domain.jst import as_utc
from domain.link_scanners import LinkHit
from domain.security import ApiKey, AuditEntry, RefreshToken
from domain.shard import RunShard
from domain.suppression import BounceEvent, Suppression
from domain.user import User

V = TypeVar("V")


class WorkingTable(Generic[V]):
    """One table as a transaction sees it; rows handed out are this transaction's own copies."""

    def __init__(self, committed: dict[uuid.UUID, V]) -> None:
        self._rows = dict(committed)
        self._owned: set[uuid.UUID] = set()
        self.duplicate_keys: list[uuid.UUID] = []

    def get(self, key: uuid.UUID) -> V | None:
        if key not in self._rows:
            return None
        if key not in self._owned:
            self._rows[key] = copy.deepcopy(self._rows[key])
            self._owned.add(key)
        return self._rows[key]

    def peek(self) -> Iterator[V]:
        """Rows to read, not to change or hand out (use `get` for that)."""
        return iter(self._rows.values())

    def select(self, wanted: Callable[[V], bool], key: Callable[[V], uuid.UUID]) -> list[V]:
        return [row for row in (self.get(key(r)) for r in list(self.peek()) if wanted(r)) if row is not None]

    def put(self, key: uuid.UUID, row: V) -> None:
        self._rows[key] = row
        self._owned.add(key)

    def add(self, key: uuid.UUID, row: V) -> None:
        """A new row; a second row with the same key fails at commit, as the INSERT would."""
        if key in self._rows and self._rows[key] is not row:
            self.duplicate_keys.append(key)
        self.put(key, row)

    def __contains__(self, key: uuid.UUID) -> bool:
        return key in self._rows

    def committed_copy(self) -> dict[uuid.UUID, V]:
        # The caller keeps its objects after commit; later changes to them must need another commit.
        rows = dict(self._rows)
        for key in self._owned:
            rows[key] = as_stored(copy.deepcopy(rows[key]))
        return rows


def as_stored(row: V) -> V:
    """What a database gives back: every datetime aware UTC (naive ones are taken to be UTC)."""
    for item in dataclasses.fields(row):  # type: ignore[arg-type]
        value = getattr(row, item.name)
        if isinstance(value, datetime):
            setattr(row, item.name, as_utc(value))
        elif isinstance(value, list):
            for element in value:
                if dataclasses.is_dataclass(element):
                    as_stored(element)
        elif dataclasses.is_dataclass(value):
            as_stored(value)
    return row


@dataclass
class InMemoryStore:
    """Shared by every InMemoryUnitOfWork built on it, like one database."""

    jobs: dict[uuid.UUID, Job] = field(default_factory=dict)
    companies: dict[uuid.UUID, Company] = field(default_factory=dict)
    users: dict[uuid.UUID, User] = field(default_factory=dict)
    actions: dict[uuid.UUID, Action] = field(default_factory=dict)
    campaigns: dict[uuid.UUID, Campaign] = field(default_factory=dict)
    runs: dict[uuid.UUID, CampaignRun] = field(default_factory=dict)
    deliveries: dict[uuid.UUID, Delivery] = field(default_factory=dict)
    claims: dict[uuid.UUID, tuple[str, datetime]] = field(default_factory=dict)
    scores: dict[uuid.UUID, dict[uuid.UUID, ScoreRecord]] = field(default_factory=dict)
    refresh_tokens: dict[uuid.UUID, RefreshToken] = field(default_factory=dict)
    api_keys: dict[uuid.UUID, ApiKey] = field(default_factory=dict)
    audit: dict[uuid.UUID, AuditEntry] = field(default_factory=dict)
    bounce_events: dict[uuid.UUID, BounceEvent] = field(default_factory=dict)
    suppressions: dict[uuid.UUID, Suppression] = field(default_factory=dict)
    shards: dict[uuid.UUID, RunShard] = field(default_factory=dict)
    fires: dict[tuple[str, datetime], ScheduledFire] = field(default_factory=dict)
    watermarks: dict[str, datetime] = field(default_factory=dict)  # sweep -> how far it has gone (UTC)
    link_hits: dict[uuid.UUID, LinkHit] = field(default_factory=dict)
    job_alerts: dict[tuple[uuid.UUID, uuid.UUID], JobAlert] = field(default_factory=dict)  # by (user, job)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holder: asyncio.Task[object] | None = None


class Transaction:
    """A transaction's view of the store; `commit` publishes it."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.jobs = WorkingTable(store.jobs)
        self.companies = WorkingTable(store.companies)
        self.users = WorkingTable(store.users)
        self.actions = WorkingTable(store.actions)
        self.campaigns = WorkingTable(store.campaigns)
        self.runs = WorkingTable(store.runs)
        self.deliveries = WorkingTable(store.deliveries)
        self.claims = dict(store.claims)  # values are immutable tuples
        self.scores = dict(store.scores)  # inner dicts are replaced, never changed in place
        self.refresh_tokens = WorkingTable(store.refresh_tokens)
        self.api_keys = WorkingTable(store.api_keys)
        self.audit = WorkingTable(store.audit)
        self.bounce_events = WorkingTable(store.bounce_events)
        self.suppressions = WorkingTable(store.suppressions)
        self.shards = WorkingTable(store.shards)
        self.fires = dict(store.fires)  # values are never changed once recorded
        self.watermarks = dict(store.watermarks)
        self.link_hits = WorkingTable(store.link_hits)
        self.job_alerts = dict(store.job_alerts)  # values are frozen

    def commit(self) -> None:
        self._check_unique()
        store = self.store
        store.jobs = self.jobs.committed_copy()
        store.companies = self.companies.committed_copy()
        store.users = self.users.committed_copy()
        store.actions = self.actions.committed_copy()
        store.campaigns = self.campaigns.committed_copy()
        store.runs = self.runs.committed_copy()
        store.deliveries = self.deliveries.committed_copy()
        store.claims = dict(self.claims)
        store.scores = dict(self.scores)
        store.refresh_tokens = self.refresh_tokens.committed_copy()
        store.api_keys = self.api_keys.committed_copy()
        store.audit = self.audit.committed_copy()
        store.bounce_events = self.bounce_events.committed_copy()
        store.suppressions = self.suppressions.committed_copy()
        store.shards = self.shards.committed_copy()
        store.fires = dict(self.fires)
        store.watermarks = dict(self.watermarks)
        store.link_hits = self.link_hits.committed_copy()
        store.job_alerts = dict(self.job_alerts)

    def _tables(self) -> tuple[WorkingTable[Any], ...]:
        return (
            self.jobs, self.companies, self.users, self.actions, self.campaigns, self.runs, self.deliveries,
            self.refresh_tokens, self.api_keys, self.audit, self.bounce_events, self.suppressions, self.shards,
            self.link_hits,
        )  # fmt: skip

    def _check_unique(self) -> None:
        for table in self._tables():
            if table.duplicate_keys:
                raise StorageConflict(f"duplicate primary key: {table.duplicate_keys[0]}")
        # The same keys the SQL schema makes unique, so both twins fail the same writes.
        _unique("jobs.external_id", (j.external_id for j in self.jobs.peek() if j.external_id is not None))
        _unique("companies.name", (c.name for c in self.companies.peek()))
        _unique("users.external_id", (u.external_id for u in self.users.peek() if u.external_id is not None))
        _unique("email_campaigns.name", (c.name for c in self.campaigns.peek()))
        _unique("campaign_runs", ((r.campaign_id, r.run_date) for r in self.runs.peek()))
        _unique("refresh_tokens.token_hash", (r.token_hash for r in self.refresh_tokens.peek()))
        _unique("api_keys.key_hash", (k.key_hash for k in self.api_keys.peek()))
        _unique("email_suppressions.email", (s.email for s in self.suppressions.peek()))
        _unique("bounce_events", ((e.report_key, e.email) for e in self.bounce_events.peek()))
        missing = next((r.user_id for r in self.refresh_tokens.peek() if r.user_id not in self.users), None)
        if missing is not None:  # the foreign key refresh_tokens.user_id -> users.id
            raise StorageConflict(f"refresh token of a missing user: {missing}")


def _unique(what: str, keys: Iterator[object]) -> None:
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            raise StorageConflict(f"duplicate key in {what}: {key}")
        seen.add(key)
