"""`/ws`: a user's real-time notifications (job alerts, matches updated) over a WebSocket.

Browsers cannot set headers on a WebSocket, so the access token comes as the `token` query parameter or the
`access_token` cookie; the guard's bearer check does not apply here and the handler authenticates itself
(close code 4401 without a valid token, 4403 for a role without `read:matches`). Each user listens on their
own channel only. On connecting, the last `history` events are replayed (a reconnecting client passes
`after=<id of the last event it has>` to get only what it missed)."""

import logging
import re
from typing import Any

import msgspec
from litestar import WebSocket, websocket
from litestar.channels import ChannelsBackend, ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.types import Guard

from adapters.notify.channels import user_channel
from application.ports import AccessTokens
from domain.roles import Role, has_permission

TOKEN_COOKIE = "access_token"  # noqa: S105 (a cookie name, not a secret)
UNAUTHENTICATED, FORBIDDEN = 4401, 4403


def _authenticated_user(socket: WebSocket[Any, Any, Any], tokens: AccessTokens) -> tuple[Any, int | None]:
    token = socket.query_params.get("token") or socket.cookies.get(TOKEN_COOKIE)
    claims = tokens.read(token) if token else None
    if claims is None:
        return None, UNAUTHENTICATED
    try:
        role = Role(claims.role)
    except ValueError:
        return None, UNAUTHENTICATED
    if not has_permission(role, "read:matches"):
        return None, FORBIDDEN
    return claims.user_id, None


def _event_id(data: bytes) -> str:
    try:
        return str(msgspec.json.decode(data).get("id", ""))
    except (msgspec.DecodeError, AttributeError):
        return ""


def notifications_route(backend: ChannelsBackend, history: int, guards: list[Guard]) -> Any:
    @websocket("/ws", summary="Real-time notifications of the caller (token or cookie)", guards=guards)
    async def notifications(socket: WebSocket[Any, Any, Any], channels: NamedDependency[ChannelsPlugin]) -> None:
        tokens: AccessTokens = await socket.app.state.dishka_container.get(AccessTokens)
        user_id, refused = _authenticated_user(socket, tokens)
        if refused is not None:
            await socket.close(code=refused, reason="unauthenticated" if refused == UNAUTHENTICATED else "forbidden")
            return
        await socket.accept()
        channel = user_channel(user_id)
        # Subscribe before reading the history, so nothing published in between is lost; what arrives live
        # and was in the history already is dropped by its id.
        subscriber = await channels.subscribe([channel])
        try:
            sent = await _replay(socket, await backend.get_history(channel, history),
                                 socket.query_params.get("after"))  # fmt: skip

            async def forward(data: bytes) -> None:
                if _event_id(data) not in sent:
                    await socket.send_text(data.decode())

            async with subscriber.run_in_background(forward):
                try:
                    while True:
                        await socket.receive_data(mode="text")  # what a client says is ignored
                except WebSocketDisconnect:
                    pass
        finally:
            await channels.unsubscribe(subscriber)

    return notifications


async def _replay(socket: WebSocket[Any, Any, Any], past: list[bytes], after: str | None) -> set[str]:
    """Sends the history (oldest first), only what follows `after` when the client has that event."""
    ids = [_event_id(data) for data in past]
    start = ids.index(after) + 1 if after and after in ids else 0
    for data in past[start:]:
        await socket.send_text(data.decode())
    return set(ids)


_TOKEN_IN_URL = re.compile(r"((?:^|[?&])token=)[^&\s\"']+")


class RedactTokenParameter(logging.Filter):
    """uvicorn logs a WebSocket's path with its query string; the access token in it must not be logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Most records (every access line) hold no "token=" at all: only those are rewritten.
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = _TOKEN_IN_URL.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "token=" in a for a in record.args):
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def redact_token_parameters() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        log = logging.getLogger(name)
        if not any(isinstance(f, RedactTokenParameter) for f in log.filters):
            log.addFilter(RedactTokenParameter())
