"""Bearer-token authentication and permission checks.

A handler states what it needs with `opt={"permission": "..."}`; the app-wide guard then requires a valid
access token (401 otherwise) whose role has that permission (403 otherwise). Handlers without the option
are public. The caller reaches a handler as `caller: Caller` (a dependency).
"""

import uuid
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler

from application.errors import NotAuthorized, PermissionDenied
from application.ports import AccessTokens
from domain.roles import Role, has_permission

PERMISSION = "permission"
BEARER_SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}]


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    role: Role


def _bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def permission_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard (see the module docstring)."""
    needed = handler.opt.get(PERMISSION)
    if needed is None:
        return
    token = _bearer_token(connection)
    tokens: AccessTokens = await connection.state.dishka_container.get(AccessTokens)
    claims = tokens.read(token) if token else None
    if claims is None:
        raise NotAuthorized("a valid bearer access token is required")
    try:
        role = Role(claims.role)
    except ValueError:
        raise NotAuthorized("a valid bearer access token is required") from None
    if not has_permission(role, needed):
        raise PermissionDenied(needed)
    connection.state.caller = Caller(claims.user_id, role)


async def _caller(request: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    caller = getattr(request.state, "caller", None)
    if not isinstance(caller, Caller):  # a handler without a permission asked for the caller
        raise NotAuthorized()
    return caller


CALLER_DEPENDENCY = {"caller": Provide(_caller)}


def needs(permission: str) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the permission, and the OpenAPI security requirement."""
    return {"opt": {PERMISSION: permission}, "security": BEARER_SECURITY}
