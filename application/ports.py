"""Ports: what the use-cases need from the outside world. Adapters implement them; in-memory twins pass
the same contract tests as the real ones."""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import NamedTuple, Protocol, Self, runtime_checkable

from domain.action import Action, ActionEvent
from domain.alerts import JobAlert
from domain.analytics import DeliveryCounts
from domain.campaign import Campaign, CampaignRun
from domain.company import Company
from domain.cron import ScheduledFire
from domain.delivery import Delivery, PlannedDelivery
from domain.job import Job
from domain.job_search import JobSearch, SearchPosition
from domain.link_scanners import LinkHit
from domain.reference import Industry, MinimumWageTable, Municipality, Organisation, PostalPoint, Station
from domain.security import ApiKey, AuditEntry, RefreshToken
from domain.shard import RunShard
from domain.suppression import BounceEvent, Suppression
from domain.user import User


class JobRepository(Protocol):
    async def add(self, job: Job) -> None: ...
    async def get(self, job_id: uuid.UUID) -> Job | None: ...
    async def get_many(self, job_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Job]: ...
    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Job]: ...
    async def list_open(self, at: datetime) -> list[Job]:
        """Active jobs whose expiry is after `at`. For reading only (a run scores them): callers must not
        change them; SQL storage hands out read-only copies, on which a change raises."""
        ...

    async def search(self, criteria: JobSearch, at: datetime, after: SearchPosition | None, limit: int) -> list[Job]:
        """At most `limit` jobs open at `at` that match `criteria` (see JobSearch.matches), newest
        posting first then by id, starting after `after`."""
        ...

    async def expired_between(self, after: datetime, until: datetime) -> list[uuid.UUID]:
        """Ids of the active jobs whose expiry is in (`after`, `until`], earliest expiry first then by id.
        (A closed job is not among them: closing it is a change of its own.)"""
        ...


class CompanyRepository(Protocol):
    async def add(self, company: Company) -> None: ...
    async def get(self, company_id: uuid.UUID) -> Company | None: ...
    async def by_name(self, name: str) -> Company | None: ...


class UserRepository(Protocol):
    async def add(self, user: User) -> None: ...
    async def get(self, user_id: uuid.UUID) -> User | None: ...
    async def get_many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, User]:
        """The users that exist among `user_ids`, with address and preferences loaded."""
        ...

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, User]: ...
    async def by_email(self, email: str) -> User | None: ...
    async def list_audience(self) -> list[User]:
        """Active, opted-in users with their address and preferences loaded, ordered by id. For reading
        only, as `JobRepository.list_open`."""
        ...


class ActionRepository(Protocol):
    async def add(self, action: Action) -> None: ...
    async def list_since(self, since: datetime, user_ids: Collection[uuid.UUID] | None = None) -> list[Action]:
        """Actions at or after `since`, for the given users or for everyone."""
        ...

    async def events_since(self, since: datetime) -> list[ActionEvent]:
        """Every action at or after `since`, as light tuples, for scoring."""
        ...


class CampaignRepository(Protocol):
    async def add(self, campaign: Campaign) -> None: ...
    async def get(self, campaign_id: uuid.UUID) -> Campaign | None: ...
    async def by_name(self, name: str) -> Campaign | None: ...
    async def list_all(self) -> list[Campaign]:
        """Every campaign, by name."""
        ...

    async def get_or_add(self, campaign: Campaign) -> Campaign:
        """The campaign named `campaign.name`; `campaign` (without variants) is added first when there is
        none. Safe when two processes race: both get the one stored."""
        ...


class DeliveryRepository(Protocol):
    """Runs and their deliveries. (run, user) is unique: that key is what makes a run exactly-once."""

    async def get_or_create_run(self, campaign_id: uuid.UUID, run_date: date, now: datetime) -> CampaignRun:
        """The run for (campaign, JST date); created if missing, safe when two processes race."""
        ...

    async def save_run(self, run: CampaignRun) -> None: ...
    async def get_run(self, run_id: uuid.UUID) -> CampaignRun | None: ...
    async def find_run(self, campaign_id: uuid.UUID, run_date: date) -> CampaignRun | None:
        """The run for (campaign, JST date) if it was started; never creates one."""
        ...

    async def runs_of(self, campaign_id: uuid.UUID, limit: int) -> list[CampaignRun]:
        """The campaign's latest runs, newest date first."""
        ...

    async def planned_user_ids(self, run_id: uuid.UUID) -> set[uuid.UUID]: ...

    async def add_planned(self, deliveries: Sequence[PlannedDelivery]) -> int:
        """Insert planned deliveries with their matches; one whose (run, user) exists is left as it is.
        Returns how many were inserted."""
        ...

    async def claim_pending(
        self, run_id: uuid.UUID, limit: int, claimant: str, now: datetime, stale_before: datetime,
        user_ids: Collection[uuid.UUID] | None = None,
    ) -> list[Delivery]:  # fmt: skip
        """Pending deliveries not claimed, or claimed before `stale_before`, now claimed by `claimant`
        (matches loaded). Two claimants never get the same delivery while its claim is fresh.
        With `user_ids`, only those users' deliveries (a shard's)."""
        ...

    async def renew_claims(self, run_id: uuid.UUID, claimant: str, now: datetime) -> int:
        """Extend the lease of every pending delivery `claimant` holds in the run (their claims start again
        at `now`); returns how many. A sender renews while it works, so a long batch is never taken over."""
        ...

    async def begin_sending(self, delivery_ids: Collection[uuid.UUID], claimant: str, now: datetime) -> set[uuid.UUID]:
        """Mark deliveries as in flight (`sending_at`), only those still pending and claimed by `claimant`;
        returns those. Committed before the message leaves, so a dead sender's in-flight mails are known."""
        ...

    async def save_outcomes(self, deliveries: Sequence[Delivery], claimant: str) -> None:
        """Persist each delivery's sending state (status, reason, failure, reply code, subject, message id,
        sent_at, attempts, sending_at, retry_at) and release its claim, only where `claimant` still holds
        the claim: a sender whose lease ran out never overwrites the sender that took over."""
        ...

    async def retry_failed(self, run_id: uuid.UUID) -> int:
        """Put the run's retryable failures back to pending with fresh attempts; returns how many.
        Permanent failures (5xx for that recipient, mails that cannot be built) stay as they are."""
        ...

    async def mailed_counts(
        self, user_ids: Collection[uuid.UUID], since: datetime, exclude_run_id: uuid.UUID | None
    ) -> dict[uuid.UUID, int]:
        """Mails sent to each user since `since` (whatever became of them after), other runs only."""
        ...

    async def mailed_job_ids(
        self, user_ids: Collection[uuid.UUID], since: datetime, exclude_run_id: uuid.UUID | None
    ) -> dict[uuid.UUID, set[uuid.UUID]]:
        """Jobs mailed (sent, opened or clicked) to each user since `since`, other runs only."""
        ...

    async def status_counts(self, run_id: uuid.UUID, user_ids: Collection[uuid.UUID] | None = None) -> dict[str, int]:
        """Deliveries of a run by status (of those users only, with `user_ids`)."""
        ...

    async def reason_counts(self, run_id: uuid.UUID) -> dict[str, int]:
        """Skipped and failed deliveries of a run, counted by reason."""
        ...

    async def get(self, delivery_id: uuid.UUID) -> Delivery | None: ...
    async def for_user(self, run_id: uuid.UUID, user_id: uuid.UUID) -> Delivery | None: ...


class SuppressionRepository(Protocol):
    """Bounce and complaint events, and the suppressed addresses (kept normalized, see
    `domain.suppression.normalize_address`)."""

    async def add_event(self, event: BounceEvent) -> bool:
        """Record the event; False (and nothing written) when (report_key, email) is already there, so a
        report read twice counts once."""
        ...

    async def soft_count(self, email: str) -> int:
        """Soft bounces recorded for the address."""
        ...

    async def suppress(self, suppression: Suppression) -> bool:
        """Suppress the address; False when it already was (the first reason is kept)."""
        ...

    async def get(self, email: str) -> Suppression | None: ...
    async def suppressed_among(self, emails: Collection[str]) -> set[str]:
        """Those of `emails` (normalized) that are suppressed."""
        ...


class JobAlertRepository(Protocol):
    """Jobs mailed to users as instant alerts: one record per (user, job), ever."""

    async def add_new(self, alerts: Sequence[JobAlert]) -> list[JobAlert]:
        """Store the alerts whose (user, job) has none yet and return those; the others are left as they
        are. Two processes racing on one (user, job): exactly one of them gets it."""
        ...

    async def alerted_among(
        self, user_ids: Collection[uuid.UUID], job_ids: Collection[uuid.UUID]
    ) -> set[tuple[uuid.UUID, uuid.UUID]]:
        """The (user, job) pairs of these users and jobs that were alerted."""
        ...


class LinkHitRepository(Protocol):
    """Fetches of mails' open pixels and click links, scanners' flagged."""

    async def add(self, hit: LinkHit) -> None: ...
    async def for_delivery(self, delivery_id: uuid.UUID) -> list[LinkHit]:
        """Oldest first."""
        ...


class ScoreRecord(NamedTuple):
    """One row of `user_job_scores`; a tuple so bulk writers (COPY) take it as it is."""

    user_id: uuid.UUID
    job_id: uuid.UUID
    basic_score: float
    seo_score: float
    personalized_score: float
    total_score: float
    score_factors: str | dict[str, object]  # JSON text, or a dict the adapter encodes
    calculated_at: datetime


class ScoreRepository(Protocol):
    async def replace_for_users(self, user_ids: Collection[uuid.UUID], records: Sequence[ScoreRecord]) -> None:
        """Drop the stored scores of these users and write `records` in bulk."""
        ...

    async def top_for_user(self, user_id: uuid.UUID, limit: int) -> list[ScoreRecord]: ...
    async def remove_jobs(self, job_ids: Collection[uuid.UUID]) -> int:
        """Drop every user's stored scores of these jobs; the number of rows dropped."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...
    async def by_hash(self, token_hash: str) -> RefreshToken | None: ...
    async def save(self, token: RefreshToken) -> None:
        """Persist used_at / revoked_at."""
        ...

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> int:
        """Revoke every token of a family not yet revoked; returns how many."""
        ...

    async def revoke_user(self, user_id: uuid.UUID, at: datetime) -> int: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...
    async def get(self, key_id: uuid.UUID) -> ApiKey | None: ...
    async def by_hash(self, key_hash: str) -> ApiKey | None: ...
    async def list_all(self) -> list[ApiKey]: ...
    async def save(self, key: ApiKey) -> None: ...


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None  # the actor's label (`user:<id>`, `cli`, `system`)
    action: str | None = None  # e.g. `campaign.edit`
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    before: tuple[datetime, uuid.UUID] | None = None  # keyset: entries strictly older than (at, id)


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...
    async def recent(self, limit: int, before: datetime | None = None) -> list[AuditEntry]:
        """Newest first; `before` pages back in time."""
        ...

    async def search(self, where: AuditFilter, limit: int) -> list[AuditEntry]:
        """Entries matching every condition given, newest first (at, then id, descending)."""
        ...


@dataclass(frozen=True, slots=True)
class RunCounts:
    run_id: uuid.UUID
    run_date: date  # JST
    status: str
    counts: DeliveryCounts


@dataclass(frozen=True, slots=True)
class VariantRunCounts:
    run_id: uuid.UUID
    variant_id: uuid.UUID
    counts: DeliveryCounts


@dataclass(frozen=True, slots=True)
class DayActivity:
    day: date  # JST
    new_users: int  # accounts created that day
    active_users: int  # distinct users with at least one action that day
    actions: int
    applications: int


class AnalyticsQueries(Protocol):
    """Aggregations computed by the storage (one grouped query each), never by loading rows."""

    async def campaign_runs(self, campaign_id: uuid.UUID) -> list[RunCounts]:
        """Each run of the campaign with its deliveries counted (see domain.analytics), newest date first."""
        ...

    async def campaign_variant_runs(self, campaign_id: uuid.UUID) -> list[VariantRunCounts]:
        """The deliveries of each (run, A/B variant) of the campaign counted alike; deliveries without a
        variant are left out. In no particular order."""
        ...

    async def daily_activity(self, first: date, last: date) -> list[DayActivity]:
        """Per JST day from `first` to `last` inclusive, the days that had any activity, in date order."""
        ...


class ShardRepository(Protocol):
    """The shards of sharded runs (see domain/shard.py)."""

    async def add_many(self, shards: Sequence[RunShard]) -> int:
        """Stores the shards a run does not have yet (by shard number); returns how many were new."""
        ...

    async def for_run(self, run_id: uuid.UUID) -> list[RunShard]:
        """Ordered by shard number."""
        ...

    async def get(self, run_id: uuid.UUID, shard_no: int) -> RunShard | None: ...
    async def save(self, shard: RunShard) -> None: ...
    async def get_run(self, run_id: uuid.UUID) -> CampaignRun | None: ...
    async def lock_run(self, run_id: uuid.UUID) -> None:
        """Holds the run's row until the transaction ends, so the last two shards finishing at once
        agree on which of them finishes the run."""
        ...


class ScheduleRepository(Protocol):
    async def record_fire(self, fire: ScheduledFire) -> bool:
        """Records a firing; False (and nothing written) if that (schedule, fire_at) was recorded before."""
        ...

    async def fires(self, schedule_id: str, limit: int = 10) -> list[ScheduledFire]:
        """Newest first."""
        ...

    async def watermark(self, sweep: str) -> datetime | None:
        """How far the named sweep has gone (aware UTC); None before its first sweep."""
        ...

    async def advance_watermark(self, sweep: str, expected: datetime | None, until: datetime) -> bool:
        """Moves the sweep's mark from `expected` (None: no mark yet) to `until`; False, and nothing
        written, when the mark is no longer `expected` (another sweeper moved it first)."""
        ...


class UnitOfWork(Protocol):
    """One transaction per `async with`; rolled back on leaving unless `commit()` was called.
    The same object may be entered again later for a new transaction."""

    jobs: JobRepository
    companies: CompanyRepository
    users: UserRepository
    actions: ActionRepository
    campaigns: CampaignRepository
    deliveries: DeliveryRepository
    scores: ScoreRepository
    refresh_tokens: RefreshTokenRepository
    api_keys: ApiKeyRepository
    audit: AuditRepository
    suppressions: SuppressionRepository
    link_hits: LinkHitRepository
    job_alerts: JobAlertRepository
    analytics: AnalyticsQueries
    shards: ShardRepository
    schedule: ScheduleRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


@dataclass(frozen=True, slots=True)
class MailJob:
    """A job as a mail shows it."""

    title: str
    company_name: str
    hourly_wage: int
    location: str  # "渋谷駅 徒歩5分" or the city
    commute_minutes: int | None
    reasons: tuple[str, ...]
    url: str
    generated: bool


@dataclass(frozen=True, slots=True)
class MailContext:
    """Everything a template may use for one recipient."""

    delivery_id: uuid.UUID
    message_id: str
    recipient_email: str
    recipient_name: str
    campaign_name: str
    run_date: date
    sent_at: datetime
    jobs: tuple[MailJob, ...]
    unsubscribe_url: str
    preferences_url: str
    subject_template: str | None = None
    html_template: str | None = None
    text_template: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    return_path: str | None = None  # the envelope sender (VERP); None: the From address
    template: str = "daily"  # the bundled templates used where the campaign has none: daily, instant_alert


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    delivery_id: uuid.UUID
    message_id: str
    envelope_from: str
    recipient: str
    subject: str
    data: bytes  # the whole RFC 5322 message, CRLF line ends


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class MailComposer(Protocol):
    def render(self, context: MailContext) -> RenderedMail:
        """Subject, text and HTML as the recipient will read them (no message bytes)."""
        ...

    def compose(self, context: MailContext) -> OutgoingMail:
        """Render subject, HTML and text and build the message bytes."""
        ...

    def check_subject_template(self, source: str) -> None:
        """Raises InvalidInput when a subject template given as text does not compile."""
        ...


class MailDeliveryError(Exception):
    """The mailer could not hand the message over. `permanent`: a retry will not help (a 5xx reply for
    this recipient, a message that cannot be sent). `code`: the relay's reply code, if it replied.
    `relay_down`: the relay could not be reached at all (about the relay, not this message).
    `recipient_refused`: the relay refused the recipient itself (at RCPT TO), not the sender or the
    message (MAIL FROM, DATA); `reply` is the relay's text for it."""

    def __init__(
        self, message: str, *, permanent: bool, code: int | None = None, relay_down: bool = False,
        recipient_refused: bool = False, reply: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.relay_down = relay_down
        self.recipient_refused = recipient_refused
        self.reply = reply


class Mailer(Protocol):
    """Hands messages to the relay (or the outbox). Up to `concurrency` calls of `send` may run at once;
    the mailer keeps its own connections, reconnects after a drop and retries a message whose connection
    dropped before the relay took it."""

    concurrency: int

    async def send(self, mail: OutgoingMail, *, fresh_connection: bool = False) -> MailDeliveryError | None:
        """Send one mail: None when the relay accepted it, else the error. `fresh_connection`: use a new
        connection (a retry after a temporary refusal)."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class ReplacingMailer(Mailer, Protocol):
    """A mailer for which sending a delivery again replaces what it sent before (the outbox: one file per
    delivery, written by rename), so no crash or second sender can make two mails of one delivery."""

    replaces_on_resend: bool

    async def send_many(self, mails: Sequence[OutgoingMail]) -> Mapping[uuid.UUID, MailDeliveryError | None]:
        """Send each mail; its error by delivery id, None when it went."""
        ...


class ReferenceData(Protocol):
    """Bundled public reference data about Japan, loaded once."""

    def postal_point(self, postal_code: str) -> PostalPoint | None: ...
    def municipality(self, code: str) -> Municipality | None: ...
    def station(self, code: str) -> Station | None: ...
    def industry(self, code: str) -> Industry | None: ...
    def minimum_wages(self) -> MinimumWageTable: ...
    def stations(self) -> Sequence[Station]: ...
    def stations_named(self, name: str, prefecture_code: str | None = None) -> list[Station]:
        """Stations of that name (NFKC, trailing 駅 ignored) on any line, in the prefecture if given,
        ordered by code."""
        ...

    def postal_points(self) -> Sequence[PostalPoint]: ...
    def organisations(self) -> Sequence[Organisation]: ...
    def industries(self) -> Sequence[Industry]: ...
    def preload(self) -> None:
        """Read every table now, instead of each on its first use."""
        ...


class Cache(Protocol):
    """Bytes by key with a lifetime (Redis, or in-process in the embedded mode)."""

    async def get(self, key: str) -> bytes | None: ...
    async def get_many(self, *keys: str) -> list[bytes | None]:
        """The values of several keys in one round trip (MGET), in the order asked; None where missing."""
        ...

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str) -> int:
        """Add one to a counter (created at 1); version counters make whole groups of keys stale at once."""
        ...


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_seconds: int  # 0 when allowed


@dataclass(frozen=True, slots=True)
class Budget:
    """At most `limit` requests in any `window_seconds` span, for one key."""

    key: str
    limit: int
    window_seconds: int


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        """Count one request against `key`; several processes sharing a store share one budget."""
        ...

    async def hit_all(self, budgets: Sequence[Budget]) -> list[RateDecision]:
        """One request against several budgets at once, atomically: when every budget has room it is
        counted in all of them; when any is full it is counted in none (the full ones come back denied
        with their Retry-After, the others allowed with what they had left)."""
        ...


@dataclass(frozen=True, slots=True)
class LaunchState:
    running: bool
    error: str | None  # why the last background attempt stopped, if it failed


class RunLauncher(Protocol):
    """Runs a campaign's daily mail in the background (the run itself is exactly-once by its claims)."""

    def launch(self, campaign_name: str, run_date: date, run_id: uuid.UUID) -> bool:
        """Start working on the run unless this process already is; True when it started now."""
        ...

    def state(self, run_id: uuid.UUID) -> LaunchState | None:
        """What this process knows of its background work on the run; None when it never worked on it."""
        ...


class MatchInvalidation(Protocol):
    """Tells the cached matches what changed. Use-cases call it after they commit a change that can alter
    someone's ranked jobs."""

    async def user_changed(self, user_id: uuid.UUID) -> None:
        """The user's address, wishes or actions changed: their matches are ranked again."""
        ...

    async def jobs_changed(self) -> None:
        """A posting was added, edited or closed (or many users changed at once): everyone's matches
        are ranked again."""
        ...


class CacheStats(Protocol):
    """Counts cache lookups by cache name (for the /metrics hit ratio)."""

    def hit(self, cache: str) -> None: ...
    def miss(self, cache: str) -> None: ...


class NullCacheStats:
    def hit(self, cache: str) -> None:
        pass

    def miss(self, cache: str) -> None:
        pass


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC."""
        ...


class ProgressReporter(Protocol):
    def start(self, stage: str, total: int | None) -> None: ...
    def advance(self, stage: str, amount: int = 1) -> None: ...
    def finish(self, stage: str) -> None: ...
    def note(self, stage: str, message: str) -> None:
        """A line for the person watching: why a stage is waiting."""
        ...


class NullProgress:
    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, stage: str, amount: int = 1) -> None:
        pass

    def finish(self, stage: str) -> None:
        pass

    def note(self, stage: str, message: str) -> None:
        pass


class PasswordHasher(Protocol):
    """One-way password hashes (argon2id). Never logs or keeps the password."""

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; False (never an exception) for a wrong password or a broken hash."""
        ...

    def verify_dummy(self, password: str) -> None:
        """Spend the time of one `verify`, for an unknown account, so timing does not tell it apart."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    role: str
    expires_at: datetime
    token_id: str


class AccessTokens(Protocol):
    """Short-lived signed bearer tokens (claims sub, role, exp, iat, jti)."""

    def issue(self, user_id: uuid.UUID, role: str) -> AccessToken: ...
    def read(self, token: str) -> AccessClaims | None:
        """The claims of a valid, unexpired token signed by us; None for anything else."""
        ...


class TaskQueue(Protocol):
    """Work handed to worker processes (taskiq). Delivery is at least once: every task is idempotent."""

    async def start_run(self, campaign_name: str, run_date: date) -> None: ...
    async def run_shard(self, run_id: uuid.UUID, shard_no: int) -> None: ...
    async def jobs_changed(self, job_ids: Collection[uuid.UUID]) -> None: ...
    async def user_changed(self, user_id: uuid.UUID) -> None: ...


class Notifier(Protocol):
    """Real-time messages to one user (their WebSocket, on whichever API process it is connected)."""

    async def notify(self, user_id: uuid.UUID, event: Mapping[str, object]) -> None:
        """`event` is JSON-ready and carries an `id` a client can use to drop a repeat."""
        ...
