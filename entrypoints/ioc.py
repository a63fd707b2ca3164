"""Dishka providers: the composition root. Each entrypoint builds its container once at start-up from
these providers (tests pass override providers after them)."""

import functools
from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import AsyncContainer, Provider, Scope, alias, from_context, make_async_container, provide, provide_all
from litestar.channels import ChannelsBackend
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import AsyncBroker

from adapters.cache.read_ahead import CacheReadAhead
from adapters.clock import SystemClock
from adapters.mail.composer import JinjaMailComposer
from adapters.queue.taskiq_queue import TaskiqTaskQueue
from adapters.reference_data.loader import BundledReferenceData
from adapters.sqlalchemy.engine import create_engine, create_session_factory
from adapters.sqlalchemy.mapping import start_mappers
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from application.instant_alerts import InstantAlertMail
from application.job_cache import JobCache, JobCacheSettings
from application.links import LinkSigner
from application.mail_planning import PlanningExecutor, PlanOptions, ThreadPlanning
from application.mail_sending import SendOptions
from application.match_cache import MatchCache, MatchCacheSettings
from application.matching_states import MatchingStates
from application.paging import CursorCodec
from application.ports import (
    AccessTokens,
    Cache,
    CacheStats,
    Clock,
    MailComposer,
    Mailer,
    MatchInvalidation,
    Notifier,
    NullCacheStats,
    NullProgress,
    PasswordHasher,
    ProgressReporter,
    RateLimiter,
    ReferenceData,
    RunLauncher,
    TaskQueue,
    UnitOfWork,
)
from application.send_pacing import DEFAULT_DOMAIN_RATES, RetryPolicy, SendRates
from application.use_cases.authenticate_api_key import AuthenticateApiKey
from application.use_cases.change_mail_preferences import ChangeMailPreferences
from application.use_cases.close_job import CloseJob
from application.use_cases.create_api_key import CreateApiKey
from application.use_cases.create_campaign import CreateCampaign
from application.use_cases.edit_campaign import EditCampaign
from application.use_cases.edit_job import EditJob
from application.use_cases.fire_due_schedules import FireDueSchedules, ScheduleOptions
from application.use_cases.follow_mail_click import FollowMailClick
from application.use_cases.grant_role import GrantRole
from application.use_cases.import_jobs import ImportJobs
from application.use_cases.import_users import ImportUsers
from application.use_cases.list_api_keys import ListApiKeys
from application.use_cases.list_audit_entries import ListAuditEntries
from application.use_cases.list_campaigns import ListCampaigns
from application.use_cases.list_matches import ListMatches
from application.use_cases.log_in import LogIn, LoginPolicy
from application.use_cases.log_out import LogOut
from application.use_cases.post_job import PostJob
from application.use_cases.preview_campaign_mail import PreviewCampaignMail
from application.use_cases.recommend_jobs import Recommendation, RecommendJobs, RecommendQuery
from application.use_cases.recompute_user_matches import RecomputeUserMatches
from application.use_cases.record_action import RecordAction
from application.use_cases.record_bounces import BouncePolicy, RecordBounces
from application.use_cases.record_mail_open import RecordMailOpen
from application.use_cases.refresh_session import RefreshSession
from application.use_cases.register_user import RegisterUser
from application.use_cases.rescore_changed_jobs import AlertOptions, RescoreChangedJobs
from application.use_cases.retry_failed_mail import RetryFailedMail
from application.use_cases.revoke_api_key import RevokeApiKey
from application.use_cases.run_daily_mail import RunDailyMail
from application.use_cases.run_mail_shard import RunMailShard
from application.use_cases.search_jobs import SearchJobs
from application.use_cases.set_home_address import SetHomeAddress
from application.use_cases.set_preferences import SetPreferences
from application.use_cases.show_campaign import ShowCampaign
from application.use_cases.show_campaign_analytics import ShowCampaignAnalytics
from application.use_cases.show_campaign_run import ShowCampaignRun
from application.use_cases.show_daily_activity import ShowDailyActivity
from application.use_cases.show_job import ShowJob
from application.use_cases.show_profile import ShowProfile
from application.use_cases.show_run_progress import ShowRunProgress
from application.use_cases.start_campaign_run import StartCampaignRun
from application.use_cases.start_sharded_run import ShardOptions, StartShardedRun
from application.use_cases.sweep_expired_jobs import SweepExpiredJobs, SweepOptions
from application.use_cases.throttle_request import RequestLimits, ThrottleRequest
from application.use_cases.unsubscribe import Unsubscribe
from application.use_cases.update_profile import UpdateProfile
from application.webhook_signature import WebhookVerifier
from domain.frequency import FrequencyCap
from domain.link_scanners import ScannerPolicy
from entrypoints.config import Settings, dkim_signer, purpose_key, usable_outbox

CACHE_PREFIX = "mailscore:cache:"  # the Redis cache's keys


def send_rates(settings: Settings) -> SendRates:
    """The relay's rate (`rate=` in MAILSCORE_SMTP_URL) and the per-domain rates over the defaults."""
    relay = None
    if settings.smtp_url:
        from adapters.mail.smtp import SmtpSettings

        relay = SmtpSettings.from_url(settings.smtp_url).max_rate
    domains = dict(DEFAULT_DOMAIN_RATES)
    domains.update((domain, rate) for domain, rate in settings.smtp_domain_rates if domain != "*")
    other = dict(settings.smtp_domain_rates).get("*")
    return SendRates(relay=relay, domains=domains, other_domains=other)


class InfrastructureProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    progress = from_context(provides=ProgressReporter, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings.database_url)
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    def session_factory(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return create_session_factory(engine)

    @provide(scope=Scope.APP)
    def reference(self, settings: Settings) -> ReferenceData:
        return BundledReferenceData(settings.minimum_wage_dir)

    @provide(scope=Scope.APP)
    def composer(self, settings: Settings) -> MailComposer:
        dkim = dkim_signer(settings)
        return JinjaMailComposer(settings.sender_address, settings.sender_name, sign=dkim.sign if dkim else None)

    @provide(scope=Scope.APP)
    async def mailer(self, settings: Settings) -> AsyncIterator[Mailer]:
        mailer: Mailer
        if settings.smtp_url:
            from adapters.mail.smtp import SmtpMailer, SmtpSettings

            mailer = SmtpMailer(SmtpSettings.from_url(settings.smtp_url))
        else:
            from adapters.mail.outbox import OutboxMailer

            mailer = OutboxMailer(usable_outbox(settings.outbox_dir))
        yield mailer
        await mailer.close()

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return SystemClock()

    @provide(scope=Scope.APP)
    def send_options(self, settings: Settings) -> SendOptions:
        return SendOptions(
            base_url=settings.base_url,
            message_id_domain=settings.message_id_domain,
            sender_address=settings.sender_address,
            signer=LinkSigner(purpose_key(settings, "mail-links")),
            batch_size=settings.send_batch_size,
            claim_timeout=timedelta(seconds=settings.claim_timeout_seconds),
            retry=RetryPolicy(
                max_attempts=settings.send_max_attempts,
                base=timedelta(seconds=settings.send_retry_seconds),
                cap=timedelta(seconds=max(settings.send_retry_seconds, settings.send_retry_max_seconds)),
            ),
            rates=send_rates(settings),
            in_doubt="hold" if settings.send_in_doubt == "hold" else "resend",
            bounces=BouncePolicy(soft_bounce_limit=settings.soft_bounce_limit),
        )

    @provide(scope=Scope.APP)
    def match_cache(self, cache: Cache, settings: Settings) -> MatchCache:
        lifetimes = MatchCacheSettings(settings.matches_ttl_seconds, settings.matches_cursor_ttl_seconds)
        return MatchCache(cache, lifetimes)

    match_invalidation = alias(source=MatchCache, provides=MatchInvalidation)

    @provide(scope=Scope.APP)
    def job_cache(self, cache: Cache, clock: Clock, settings: Settings) -> JobCache:
        return JobCache(cache, clock, JobCacheSettings(ttl=settings.matches_ttl_seconds))

    @provide(scope=Scope.APP)
    def cache_stats(self) -> CacheStats:
        return NullCacheStats()  # the HTTP app counts them for /metrics (create_app overrides this)

    @provide(scope=Scope.APP)
    def cursors(self, settings: Settings) -> CursorCodec:
        return CursorCodec(LinkSigner(purpose_key(settings, "page-cursors")))

    @provide(scope=Scope.APP)
    async def run_launcher(self, container: AsyncContainer) -> AsyncIterator[RunLauncher]:
        from entrypoints.background import BackgroundRunLauncher

        launcher = BackgroundRunLauncher(container)
        yield launcher
        await launcher.close()

    @provide(scope=Scope.APP)
    def webhook_verifier(self, settings: Settings) -> WebhookVerifier:
        return WebhookVerifier(settings.bounce_webhook_secret.encode())

    @provide(scope=Scope.APP)
    def frequency_cap(self, settings: Settings) -> FrequencyCap:
        return FrequencyCap(*settings.mail_cap) if settings.mail_cap else FrequencyCap()

    @provide(scope=Scope.APP)
    def scanner_policy(self, settings: Settings) -> ScannerPolicy:
        return ScannerPolicy(window=timedelta(seconds=settings.scanner_window_seconds))

    @provide(scope=Scope.APP)
    def bounce_policy(self, settings: Settings) -> BouncePolicy:
        return BouncePolicy(soft_bounce_limit=settings.soft_bounce_limit)

    @provide(scope=Scope.APP)
    def plan_options(self, settings: Settings) -> PlanOptions:
        from adapters.sqlalchemy.score_repository import encode_score_factors

        return PlanOptions(planning_executor(settings.planning_processes), encode_score_factors)

    @provide(scope=Scope.APP)
    def matching_states(self) -> MatchingStates:
        return MatchingStates()

    @provide(scope=Scope.APP)
    def shard_options(self, settings: Settings) -> ShardOptions:
        return ShardOptions(shard_size=settings.shard_size)

    @provide(scope=Scope.APP)
    def schedule_options(self, settings: Settings) -> ScheduleOptions:
        return ScheduleOptions(timedelta(seconds=settings.schedule_lateness_seconds), dict(settings.schedule))

    @provide(scope=Scope.APP)
    def sweep_options(self) -> SweepOptions:
        return SweepOptions()

    @provide(scope=Scope.APP)
    def alert_options(self, settings: Settings) -> AlertOptions:
        return AlertOptions(threshold=settings.alert_threshold)

    @provide(scope=Scope.APP)
    async def channels_backend(self, settings: Settings) -> AsyncIterator[ChannelsBackend]:
        from adapters.notify.channels import make_channels_backend

        backend, redis = make_channels_backend(settings.redis_url, f"{settings.queue_name}:channels",
                                               settings.notification_history)  # fmt: skip
        await backend.on_startup()
        yield backend
        await backend.on_shutdown()
        if redis is not None:
            await redis.aclose()

    @provide(scope=Scope.APP)
    def notifier(self, backend: ChannelsBackend) -> Notifier:
        from adapters.notify.channels import ChannelsNotifier

        return ChannelsNotifier(backend)

    @provide(scope=Scope.APP)
    async def broker(self, settings: Settings, container: AsyncContainer) -> AsyncIterator[AsyncBroker]:
        """The broker work is queued on. In memory (no Redis) it also runs the tasks, in this process and
        with this container; on Redis the workers do."""
        from taskiq import InMemoryBroker

        from entrypoints.worker.broker import make_broker
        from entrypoints.worker.tasks import register_tasks

        broker = make_broker(settings)
        if isinstance(broker, InMemoryBroker):
            from dishka.integrations.taskiq import setup_dishka

            register_tasks(broker)
            setup_dishka(container, broker)
        await broker.startup()
        yield broker
        if isinstance(broker, InMemoryBroker):
            await broker.wait_all()
        await broker.shutdown()

    @provide(scope=Scope.APP)
    def task_queue(self, broker: AsyncBroker) -> TaskQueue:
        return TaskiqTaskQueue(broker)

    @provide(scope=Scope.REQUEST)
    def uow(self, session_factory: async_sessionmaker[AsyncSession]) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)


def planning_executor(processes: int) -> PlanningExecutor:
    """Forked planning processes where the platform forks safely (Linux) and they are asked for."""
    from adapters.planning.processes import ForkedPlanning, can_fork

    if processes > 0 and can_fork():
        return functools.partial(ForkedPlanning, processes=processes)
    return ThreadPlanning


class SecurityProvider(Provider):
    scope = Scope.APP

    @provide
    def password_hasher(self) -> PasswordHasher:
        from adapters.security.argon2_hasher import Argon2PasswordHasher

        return Argon2PasswordHasher()

    @provide
    def access_tokens(self, settings: Settings, clock: Clock) -> AccessTokens:
        from adapters.security.jwt_tokens import JwtAccessTokens

        return JwtAccessTokens(purpose_key(settings, "access-tokens"), clock)

    @provide
    def login_policy(self) -> LoginPolicy:
        return LoginPolicy()

    @provide
    async def cache(self, settings: Settings) -> AsyncIterator[Cache]:
        # Without Redis the cache (and so the failed-login counts) is per process.
        if settings.redis_url is None:
            from adapters.cache.in_process import InProcessCache

            yield InProcessCache()
            return
        from redis.asyncio import Redis

        from adapters.cache.redis_store import RedisCache

        redis = Redis.from_url(settings.redis_url)
        try:
            yield RedisCache(redis, prefix=CACHE_PREFIX)
        finally:
            await redis.aclose()


class RateLimitProvider(Provider):
    scope = Scope.APP

    @provide
    def throttle(self, limiter: RateLimiter, limits: RequestLimits) -> ThrottleRequest:
        return ThrottleRequest(limiter, limits)  # its memory's size left at the default

    @provide
    def limits(self, settings: Settings) -> RequestLimits:
        return settings.request_limits

    @provide
    def read_ahead(self, cache: Cache) -> CacheReadAhead:
        """The guard's: the Redis cache's own, or one that reads nothing ahead."""
        from adapters.cache.redis_store import RedisCache

        return cache.read_ahead if isinstance(cache, RedisCache) else CacheReadAhead(None)

    @provide
    async def limiter(self, settings: Settings, cache: Cache) -> AsyncIterator[RateLimiter]:
        # Without Redis each process counts its own requests; with it, every process shares one budget.
        if settings.redis_url is None:
            from adapters.cache.rate_limit import InProcessRateLimiter

            yield InProcessRateLimiter()
            return
        from adapters.cache.rate_limit import RedisRateLimiter
        from adapters.cache.redis_store import RedisCache, redis_client

        redis = redis_client(settings.redis_url)
        try:
            # With the cache on the same server, the keys a request reads next are read in the same script.
            ahead = cache.read_ahead if isinstance(cache, RedisCache) and cache.on_server_of(redis) else None
            yield RedisRateLimiter(redis, prefix=f"{settings.redis_prefix}ratelimit:", read_ahead=ahead)
        finally:
            await redis.aclose()


class UseCaseProvider(Provider):
    scope = Scope.REQUEST
    use_cases = provide_all(RunDailyMail, RecommendJobs, RecordAction, ImportJobs, ImportUsers, CreateCampaign)
    mail_sending = provide_all(RetryFailedMail)
    accounts = provide_all(RegisterUser, LogIn, RefreshSession, LogOut, GrantRole)
    profile = provide_all(ShowProfile, UpdateProfile, SetHomeAddress, SetPreferences, ShowJob)
    jobs = provide_all(SearchJobs, PostJob, EditJob, CloseJob)

    @provide(scope=Scope.APP)
    def list_matches(
        self, container: AsyncContainer, matches: MatchCache, cursors: CursorCodec, clock: Clock, stats: CacheStats
    ) -> ListMatches:
        """Application-scoped, so a warm `GET /me/matches` opens no request scope; a miss ranks in one."""
        return ListMatches(RecommendInItsOwnScope(container), matches, cursors, clock, stats)
    mail_links = provide_all(RecordMailOpen, FollowMailClick, Unsubscribe, RecordBounces, ChangeMailPreferences)
    api_keys = provide_all(CreateApiKey, ListApiKeys, RevokeApiKey, AuthenticateApiKey)
    campaigns = provide_all(
        ListCampaigns, ShowCampaign, EditCampaign, PreviewCampaignMail, StartCampaignRun, ShowCampaignRun
    )
    analytics = provide_all(ShowCampaignAnalytics, ShowDailyActivity, ListAuditEntries)
    runs = provide_all(RunMailShard, ShowRunProgress, StartShardedRun, FireDueSchedules, SweepExpiredJobs)
    events = provide_all(RescoreChangedJobs, RecomputeUserMatches, InstantAlertMail)


class RecommendInItsOwnScope:
    """RecommendJobs in a request scope (so a unit of work) of its own for every call."""

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container

    async def __call__(self, query: RecommendQuery) -> Recommendation:
        async with self._container() as scoped:
            recommend = await scoped.get(RecommendJobs)
            return await recommend(query)


class ChannelsProvider(Provider):
    """The channels backend the API's ChannelsPlugin owns (it starts and stops it)."""

    def __init__(self, backend: ChannelsBackend) -> None:
        super().__init__()
        self._backend = backend

    @provide(scope=Scope.APP, override=True)
    def backend(self) -> ChannelsBackend:
        return self._backend


class QueueProvider(Provider):
    """The queue on a given broker: a worker's own, which also runs the tasks it queues."""

    def __init__(self, broker: AsyncBroker) -> None:
        super().__init__()
        self._broker = broker

    @provide(scope=Scope.APP, override=True)
    def queue(self) -> TaskQueue:
        return TaskiqTaskQueue(self._broker)


def make_container(
    settings: Settings, *overrides: Provider, progress: ProgressReporter | None = None
) -> AsyncContainer:
    # Domain objects made before the mappers run lack instrumentation and cannot be stored.
    start_mappers()
    return make_async_container(
        InfrastructureProvider(),
        SecurityProvider(),
        RateLimitProvider(),
        UseCaseProvider(),
        *overrides,
        context={Settings: settings, ProgressReporter: progress or NullProgress()},
    )
