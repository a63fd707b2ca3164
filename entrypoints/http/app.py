"""The Litestar app factory: one dishka container per app, built here and closed in the lifespan."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dishka import Provider, Scope, provide
from dishka.integrations.litestar import DishkaRouter, LitestarProvider
from litestar import Litestar, Router
from litestar.channels import ChannelsPlugin
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from taskiq import AsyncBroker, InMemoryBroker

from adapters.cache.client_ip import trusted_networks
from adapters.notify.channels import make_channels_backend
from application.heap import settle_start_up
from application.ports import CacheStats, ReferenceData
from entrypoints.config import Settings, load_settings
from entrypoints.http.auth import API_KEY_HEADER, CALLER_DEPENDENCY
from entrypoints.http.controllers.accounts import AccountController
from entrypoints.http.controllers.admin import AdminController
from entrypoints.http.controllers.analytics import AnalyticsController, AuditController
from entrypoints.http.controllers.api_keys import ApiKeyController
from entrypoints.http.controllers.campaigns import CampaignController
from entrypoints.http.controllers.jobs import JobController
from entrypoints.http.controllers.mail_links import MailLinkController, MailPreferencesController
from entrypoints.http.controllers.profile import ProfileController
from entrypoints.http.controllers.system import health, metrics, ready
from entrypoints.http.controllers.webhooks import WebhookController
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.http.match_pages import MatchPageEncoder
from entrypoints.http.metrics import HttpMetrics
from entrypoints.http.notifications import notifications_route, redact_token_parameters
from entrypoints.http.openapi_docs import ClosedStructSchemaPlugin
from entrypoints.http.request_scope import setup_lazy_dishka
from entrypoints.http.throttle import access_checks
from entrypoints.ioc import ChannelsProvider, make_container

API_PREFIX = "/api/v1"


class MetricsProvider(Provider):
    """The app's metrics count the use-cases' cache lookups (the CacheStats port) for /metrics; the app's
    own page encoder (its kept JSON is per app)."""

    def __init__(self, metrics: HttpMetrics) -> None:
        super().__init__()
        self._metrics = metrics

    @provide(scope=Scope.APP, override=True)
    def cache_stats(self) -> CacheStats:
        return self._metrics

    @provide(scope=Scope.APP)
    def match_pages(self) -> MatchPageEncoder:
        return MatchPageEncoder()


def create_app(settings: Settings, *override_providers: Provider, settle_heap: bool = False) -> Litestar:
    """`settle_heap`: read the reference tables at start-up and freeze the start-up heap (a served app;
    tests build many apps in one process and leave the collector alone)."""
    # Channels: a backend per app (one cannot be restarted, litestar #4784), shared with the container so
    # events run in this process (in-memory queue) publish where this app's sockets listen.
    channels_backend, channels_redis = make_channels_backend(
        settings.redis_url, f"{settings.queue_name}:channels", settings.notification_history
    )
    http_metrics = HttpMetrics()
    check_request, check_socket = access_checks(http_metrics)
    # A campaign run started over HTTP plans in a thread of the server: forking a process that serves
    # requests (its sockets, event loop and threads) is unsafe, whatever MAILSCORE_PLANNING_PROCESSES says.
    serving = dataclasses.replace(settings, planning_processes=0)
    container = make_container(
        serving, LitestarProvider(), MetricsProvider(http_metrics), ChannelsProvider(channels_backend),
        *override_providers,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            if settle_heap:  # the reference tables read now, not by the first request needing each (heap.py)
                await asyncio.to_thread((await container.get(ReferenceData)).preload)
                settle_start_up()
            yield
        finally:
            await container.close()  # dishka's Litestar integration does not close it
            if channels_redis is not None:
                await channels_redis.aclose()

    async def drain_events() -> None:
        """Events this process runs itself (in-memory queue) finish while the channels still deliver: the
        app's shutdown hooks run before the channels plugin's."""
        broker = await container.get(AsyncBroker)
        if isinstance(broker, InMemoryBroker):
            await broker.wait_all()

    api = DishkaRouter(
        API_PREFIX,
        route_handlers=[
            AccountController,
            ProfileController,
            JobController,
            AdminController,
            ApiKeyController,
            CampaignController,
            WebhookController,
            AnalyticsController,
            AuditController,
        ],
    )
    system = DishkaRouter(
        "/", route_handlers=[health, ready, metrics, MailLinkController, MailPreferencesController,
                             notifications_route(channels_backend, settings.notification_history, [check_socket])],
    )  # fmt: skip
    app = Litestar(
        route_handlers=[Router("/", route_handlers=[api, system])],
        before_request=check_request,  # the access checks (auth, roles, rate limits); websockets: a guard
        dependencies={**CALLER_DEPENDENCY, "metrics_registry": Provide(lambda: http_metrics, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        on_shutdown=[drain_events],
        plugins=[ClosedStructSchemaPlugin(), ChannelsPlugin(backend=channels_backend, arbitrary_channels_allowed=True)],
        openapi_config=OpenAPIConfig(
            title="Mail Score API",
            version="1.0.0",
            description="Job matching for a Japanese part-time job site. Errors are RFC 9457 problem details.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                    "ApiKey": SecurityScheme(type="apiKey", name=API_KEY_HEADER, security_scheme_in="header"),
                    "WebhookSignature": SecurityScheme(
                        type="apiKey",
                        name="X-Mailscore-Signature",
                        security_scheme_in="header",
                        description="sha256=<hex HMAC-SHA256(secret, X-Mailscore-Timestamp + '.' + body)>",
                    ),
                }
            ),
        ),
        debug=False,
    )
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    setup_lazy_dishka(container, app)  # a request scope only for requests that need one
    app.asgi_handler = http_metrics.middleware(app.asgi_handler)  # outermost: sees 404s and error responses
    return app


def create_app_from_environment() -> Litestar:
    """For uvicorn's --factory: settings read at start-up in each worker process."""
    redact_token_parameters()
    return create_app(load_settings(), settle_heap=True)
