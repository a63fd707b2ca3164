"""The app-wide guard: authentication and permissions (auth.py), then the request's rate-limit budgets.

The budgets are counted after authentication, so a person or a partner is limited as themselves; a
request that fails authentication is still counted for its address and the service (a flood of bad
tokens is throttled too). A handler with `opt={"rate_limit": False}` is exempt (`/health`).
Refusals are 429 problems with Retry-After, counted in `mailscore_rate_limited_total{scope}`.
"""

from functools import lru_cache
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.handlers.base import BaseRouteHandler
from litestar.types import BeforeRequestHookHandler, Guard

from adapters.cache.client_ip import IPNetwork, client_ip
from adapters.cache.read_ahead import CacheReadAhead
from application.errors import RateLimited
from application.use_cases.throttle_request import ThrottleCommand, ThrottleRequest
from entrypoints.http.auth import READ_AHEAD, AppScoped, authenticated, permission_guard, request_state
from entrypoints.http.metrics import HttpMetrics

RATE_LIMIT = "rate_limit"
# The same peer and X-Forwarded-For (and proxies) give the same client: parsed once, not on every request.
_cached_client_ip = lru_cache(maxsize=4096)(client_ip)
NOT_RATE_LIMITED: dict[str, Any] = {"opt": {RATE_LIMIT: False}}
CLIENT_IP = "client_ip"  # the request state's key for the parsed client address


def request_client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address: the peer, or from X-Forwarded-For when the peer is a trusted proxy."""
    state = request_state(connection)
    found = state.get(CLIENT_IP)
    if isinstance(found, str):
        return found
    trusted: tuple[IPNetwork, ...] = connection.app.state.trusted_proxies
    forwarded = (
        ",".join(
            value.decode("latin-1") for key, value in connection.scope["headers"] if key.lower() == b"x-forwarded-for"
        )
        or None
    )
    found = _cached_client_ip(connection.client.host if connection.client else None, forwarded, trusted)
    state[CLIENT_IP] = found
    return found


def access_checks(metrics: HttpMetrics) -> tuple[BeforeRequestHookHandler, Guard]:
    """The app's access checks: for HTTP requests as its before-request hook, for websockets as a guard.

    Litestar hands each guard a copy of the route handler, made anew on every request (a quarter of the
    guard's cost on a warm `GET /me/matches`); the hook runs at the same point for HTTP (before the
    request's parameters are parsed), given the handler itself, which the checks only read. No router,
    controller or handler may set a before-request hook of its own: the nearest one replaces the app's
    (tests/e2e/test_http_roles.py checks every route).
    """
    guard = access_guard(metrics)

    async def before_request(request: Request[Any, Any, Any]) -> None:
        await guard(request, request.scope["route_handler"])

    return before_request, guard


def access_guard(metrics: HttpMetrics) -> Guard:
    """The guard of one app (it resolves that app's token reader and throttle once)."""
    resolved = AppScoped()

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        try:
            await permission_guard(connection, handler, resolved)
        except Exception:
            await _throttle(connection, handler, metrics, resolved)
            raise
        await _throttle(connection, handler, metrics, resolved)

    return guard


async def _throttle(
    connection: ASGIConnection[Any, Any, Any, Any],
    handler: BaseRouteHandler,
    metrics: HttpMetrics,
    resolved: AppScoped,
) -> None:
    if not handler.opt.get(RATE_LIMIT, True):
        return
    principal = authenticated(connection)
    if principal is None:
        command = ThrottleCommand(request_client_ip(connection))
    else:
        per_hour = principal.partner.rate_limit_per_hour if principal.partner else None
        command = ThrottleCommand(request_client_ip(connection), principal.rate_key, per_hour)
    reads = handler.opt.get(READ_AHEAD)
    if reads is not None and principal is not None:
        read_ahead = await resolved.get(connection, CacheReadAhead)
        if read_ahead.enabled:  # in-process there is nothing to read ahead: the keys are not even named
            read_ahead.expect(await reads(connection, resolved, principal))
    throttle = await resolved.get(connection, ThrottleRequest)
    try:
        await throttle(command)
    except RateLimited as exc:
        metrics.rate_limited.labels(exc.scope).inc()
        raise
