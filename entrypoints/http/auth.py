"""Authentication (bearer access tokens for people, `X-API-Key` for partners) and permission checks.

A handler states what it needs with `**needs("permission")`; the app-wide guard then requires a valid
credential (401 otherwise) that holds that permission (403 otherwise). Handlers without it are public.
A route acts for a user account unless it says `needs(..., api_key=True)`: only those take a partner's key
(any other answers a valid key with 403). The person reaches a handler as `caller: Caller`; a handler open
to keys takes `principal: Principal` (a Caller or a Partner inside).
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler

from application.errors import AccountRequired, NotAuthorized, PermissionDenied
from application.ports import AccessTokens
from application.use_cases.authenticate_api_key import AuthenticateApiKey
from domain.roles import Role, has_permission

PERMISSION = "permission"
API_KEY_ALLOWED = "api_key"
API_KEY_HEADER = "X-API-Key"
API_KEY_HEADER_NAME = API_KEY_HEADER.lower().encode()
READ_AHEAD = "read_ahead"
PRINCIPAL = "principal"  # the request state's key for whoever the guard let through
T = TypeVar("T")
BEARER_SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}]
BEARER_OR_KEY_SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}, {"ApiKey": []}]


@dataclass(frozen=True)
class Caller:
    """A person, by their access token."""

    user_id: uuid.UUID
    role: Role

    @property
    def rate_key(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True)
class Partner:
    """A program, by its API key."""

    api_key_id: uuid.UUID
    name: str
    permissions: frozenset[str]
    rate_limit_per_hour: int

    @property
    def rate_key(self) -> str:
        return f"key:{self.api_key_id}"


@dataclass(frozen=True)
class Principal:
    """Whoever the guard let through: a person or a partner (exactly one of the two is set)."""

    caller: Caller | None = None
    partner: Partner | None = None

    @property
    def rate_key(self) -> str:
        who = self.caller or self.partner
        assert who is not None
        return who.rate_key


class AppScoped:
    """Application-scoped dependencies of one app, each resolved once through its container rather than
    through every request's (the guard runs on every request)."""

    def __init__(self) -> None:
        self._found: dict[type[Any], Any] = {}

    async def get(self, connection: ASGIConnection[Any, Any, Any, Any], kind: type[T]) -> T:
        found = self._found.get(kind)
        if found is None:
            found = self._found[kind] = await connection.app.state.dishka_container.get(kind)
        return cast(T, found)


def request_state(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """The request's state as the plain dict behind `connection.state` (which builds a new State object on
    every access; the guard and the dependencies read it several times a request)."""
    state: dict[str, Any] = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    return state


def request_header(connection: ASGIConnection[Any, Any, Any, Any], name: bytes) -> str | None:
    """The first value of a header (`name` in lower case), read from the ASGI scope: `connection.headers`
    builds a Headers object on every access."""
    for key, value in connection.scope["headers"]:
        if key == name or key.lower() == name:
            return value.decode("latin-1")
    return None


def _bearer_token(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def permission_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler, resolved: AppScoped
) -> None:
    """The app-wide guard (see the module docstring)."""
    needed = handler.opt.get(PERMISSION)
    if needed is None:
        return
    secret = request_header(connection, API_KEY_HEADER_NAME)
    if secret is not None:
        partner = await _partner(connection, secret, needed, handler)
        request_state(connection)[PRINCIPAL] = Principal(partner=partner)
        return
    token = _bearer_token(request_header(connection, b"authorization") or "")
    tokens = await resolved.get(connection, AccessTokens)
    claims = tokens.read(token) if token else None
    if claims is None:
        raise NotAuthorized("a valid bearer access token (or X-API-Key) is required")
    try:
        role = Role(claims.role)
    except ValueError:
        raise NotAuthorized("a valid bearer access token is required") from None
    if not has_permission(role, needed):
        raise PermissionDenied(needed)
    request_state(connection)[PRINCIPAL] = Principal(caller=Caller(claims.user_id, role))


async def _partner(
    connection: ASGIConnection[Any, Any, Any, Any], secret: str, needed: str, handler: BaseRouteHandler
) -> Partner:
    authenticate: AuthenticateApiKey = await connection.state.dishka_container.get(AuthenticateApiKey)
    key = await authenticate(secret.strip())
    if key is None:
        raise NotAuthorized("the API key is not valid (unknown, revoked or expired)")
    if not key.allows(needed):
        raise PermissionDenied(needed)
    if not handler.opt.get(API_KEY_ALLOWED, False):
        raise AccountRequired()
    return Partner(key.id, key.name, frozenset(key.permissions), key.rate_limit_per_hour)


def authenticated(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Whoever the guard let through on this request (None on public routes)."""
    principal = request_state(connection).get(PRINCIPAL)
    return principal if isinstance(principal, Principal) else None


async def _principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = authenticated(request)
    if principal is None:  # a public handler asked for it
        raise NotAuthorized()
    return principal


def caller_of(request: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    """The `caller` dependency without Litestar's dependency machinery, for the hottest routes."""
    principal = authenticated(request)
    if principal is None:  # a public handler asked for it
        raise NotAuthorized()
    if principal.caller is None:
        raise AccountRequired()
    return principal.caller


async def _caller(request: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    return caller_of(request)


CALLER_DEPENDENCY = {"caller": Provide(_caller), "principal": Provide(_principal)}


ReadAhead = Callable[[ASGIConnection[Any, Any, Any, Any], AppScoped, Principal], Awaitable[Sequence[str]]]


def needs(permission: str, *, api_key: bool = False, read_ahead: ReadAhead | None = None) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the permission, whether partners' keys may use the route,
    and the OpenAPI security requirement. `read_ahead` names the cache keys the handler will read for
    whoever was let through: they are read with the rate-limit check (adapters/cache/read_ahead.py)."""
    return {
        "opt": {PERMISSION: permission, API_KEY_ALLOWED: api_key, READ_AHEAD: read_ahead},
        "security": BEARER_OR_KEY_SECURITY if api_key else BEARER_SECURITY,
    }
